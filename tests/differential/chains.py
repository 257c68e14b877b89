"""Seeded random certificate chains for the differential test against the JVM.

A case starts from a sound chain (leaf <- intermediate <- root, the root
trusted, leaf and intermediate sent) with a few random variations that should
not matter (key types, hashes), then applies one to three mutations drawn
from :data:`MUTATIONS`. Each mutation names one axis a validator can get
wrong: validity, basicConstraints and pathLen, keyUsage and EKU at every
position, names (SAN, CN, IP, wildcards), name constraints, unknown critical
extensions, key types and sizes, signature algorithms, AKI/SKI, version 1,
serials, name encodings, policies, what the store holds and what the server
sends. The same seed always gives the same cases (keys come from a pool made
once per run, so their bytes differ between runs, never their kinds).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sslpoke.lab.pki import small_rsa_key
from tests.differential import der

DOMAIN = "diff.test"
KEYS_PER_KIND = 4
LEAF_KEYS = ("rsa2048", "p256", "p384")
CA_KEYS = ("rsa2048", "p256", "p384", "rsa3072")


def _generate(kind: str) -> Any:
    if kind.startswith("rsa"):
        bits = int(kind[3:])
        return rsa.generate_private_key(65537, bits) if bits >= 1024 else small_rsa_key(bits)
    if kind.startswith("dsa"):
        return dsa.generate_private_key(int(kind[3:]))
    curves: dict[str, ec.EllipticCurve] = {
        "p192": ec.SECP192R1(),
        "p224": ec.SECP224R1(),
        "p256": ec.SECP256R1(),
        "p384": ec.SECP384R1(),
        "p521": ec.SECP521R1(),
        "secp256k1": ec.SECP256K1(),
        "brainpool256": ec.BrainpoolP256R1(),
    }
    if kind in curves:
        return ec.generate_private_key(curves[kind])
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "ed448":
        return ed448.Ed448PrivateKey.generate()
    raise ValueError(kind)


@cache
def key(kind: str, index: int) -> Any:
    """The ``index``-th key of a kind (made once per run; few kinds are slow to make)."""
    slots = 1 if kind in ("rsa4096", "dsa2048", "dsa1024") else KEYS_PER_KIND
    if index % slots != index:
        return key(kind, index % slots)
    return _generate(kind)


@dataclass
class Spec:
    """One certificate: every field a mutation may change."""

    name: str  # L, I1, I2, R, X (unrelated root), D (same subject as I1), R2 (root re-keyed)
    issuer: str | None  # None: self-signed
    cn: str
    key: str
    key_slot: int
    hash: str = "sha256"
    pss: tuple[int | None, str | None] | None = None  # (salt, mgf hash) when RSA-PSS
    not_before: int = -2  # days from now
    not_after: int = 365
    version: int = 3
    serial: int | None = None
    ca: bool | None = None  # None: no basicConstraints
    path_length: int | None = None
    ku: frozenset[str] | None = None
    ku_critical: bool = True
    eku: tuple[str, ...] | None = None
    eku_critical: bool = False
    sans: tuple[str, ...] | None = None
    san_critical: bool = False
    subject_empty: bool = False
    org: str = "sslpoke diff"
    printable: bool = False  # subject CN as PrintableString
    issuer_override: x509.Name | None = None
    nc: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    unknown_critical: bool = False
    garbage: tuple[str, ...] = ()  # extension OIDs written with unparsable content
    empty_san: bool = False
    aki: str = "ok"  # ok | absent | wrong
    ski: bool = True
    policies: tuple[str, ...] | None = None
    require_explicit: int | None = None
    corrupt: bool = False


@dataclass
class Case:
    ident: int
    seed: int
    host: str
    specs: dict[str, Spec]
    sent: list[str]
    trust: list[str]
    mutations: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "+".join(self.mutations) or "baseline"


CA_KU = frozenset({"key_cert_sign", "crl_sign"})
LEAF_KU = frozenset({"digital_signature", "key_encipherment"})


def baseline(ident: int, seed: int, rng: random.Random) -> Case:
    host = f"c{ident}.{DOMAIN}"
    root = Spec("R", None, "Diff Root CA", rng.choice(CA_KEYS), rng.randrange(4), ca=True, ku=CA_KU)
    inter = Spec(
        "I1", "R", "Diff Inter CA 1", rng.choice(CA_KEYS), rng.randrange(4), ca=True, ku=CA_KU
    )
    leaf = Spec(
        "L",
        "I1",
        host,
        rng.choice(LEAF_KEYS),
        rng.randrange(4),
        ca=False,
        ku=LEAF_KU,
        eku=("serverAuth",),
        sans=(host,),
        hash=rng.choice(("sha256", "sha256", "sha384")),
    )
    other = Spec("X", None, "Unrelated Root CA", "p256", 3, ca=True, ku=CA_KU, org="elsewhere")
    return Case(
        ident, seed, host, {s.name: s for s in (leaf, inter, root, other)}, ["L", "I1"], ["R"]
    )


# --- mutations ---------------------------------------------------------------------

Mutation = Callable[[Case, random.Random], None]
MUTATIONS: dict[str, Mutation] = {}


def mutation(name: str) -> Callable[[Mutation], Mutation]:
    def register(fn: Mutation) -> Mutation:
        MUTATIONS[name] = fn
        return fn

    return register


def _pos(case: Case, role: str) -> Spec:
    return case.specs[role]


def _each_position(
    prefix: str, roles: str, fn: Callable[[Spec, Case, random.Random], None]
) -> None:
    for role in roles.split():

        def run(case: Case, rng: random.Random, role: str = role) -> None:
            fn(_pos(case, role), case, rng)

        MUTATIONS[f"{prefix}-{role}"] = run


def _set(**changes: Any) -> Callable[[Spec, Case, random.Random], None]:
    def apply(spec: Spec, case: Case, rng: random.Random) -> None:
        for k, v in changes.items():
            setattr(spec, k, v)

    return apply


_each_position("expired", "L I1 R", _set(not_before=-400, not_after=-3))
_each_position("not-yet-valid", "L I1 R", _set(not_before=30, not_after=400))
_each_position("no-basic-constraints", "I1 R", _set(ca=None, path_length=None))
_each_position("basic-constraints-false", "I1 R", _set(ca=False, path_length=None))
_each_position("ku-no-keycertsign", "I1 R", _set(ku=frozenset({"digital_signature", "crl_sign"})))
_each_position("ku-absent", "L I1 R", _set(ku=None))
_each_position("unknown-critical-ext", "L I1 R", _set(unknown_critical=True))
_each_position("version-1", "L I1 R", _set(version=1))
_each_position("aki-absent", "L I1", _set(aki="absent"))
_each_position("aki-wrong", "L I1", _set(aki="wrong"))
_each_position("ski-absent", "I1 R", _set(ski=False))
_each_position("corrupt-signature", "L I1", _set(corrupt=True))
_each_position("serial-zero", "L I1", _set(serial=0))
_each_position("serial-negative", "L I1", _set(serial=-12345))
_each_position("serial-21-octets", "L I1", _set(serial=(1 << 167) + 5))
_each_position("eku-client-only", "L I1", _set(eku=("clientAuth",)))
_each_position("eku-any", "L I1", _set(eku=("anyExtendedKeyUsage",)))
_each_position("printable-name", "I1 R", _set(printable=True))
_each_position("garbage-san", "L", _set(garbage=("2.5.29.17",)))
_each_position("garbage-eku", "L I1", _set(garbage=("2.5.29.37",)))


@mutation("basic-constraints-ca-leaf")
def _ca_leaf(case: Case, rng: random.Random) -> None:
    _pos(case, "L").ca = True


@mutation("ku-no-digital-signature-L")
def _ku_nodigsig(case: Case, rng: random.Random) -> None:
    _pos(case, "L").ku = frozenset({"key_encipherment"})


@mutation("ku-key-agreement-only-L")
def _ku_agree(case: Case, rng: random.Random) -> None:
    _pos(case, "L").ku = frozenset({"key_agreement"})


@mutation("ku-non-critical-L")
def _ku_noncrit(case: Case, rng: random.Random) -> None:
    _pos(case, "L").ku_critical = False


@mutation("eku-critical-L")
def _eku_crit(case: Case, rng: random.Random) -> None:
    _pos(case, "L").eku_critical = True


@mutation("eku-absent-L")
def _eku_absent(case: Case, rng: random.Random) -> None:
    _pos(case, "L").eku = None


@mutation("eku-netscape-sgc-L")
def _eku_sgc(case: Case, rng: random.Random) -> None:
    _pos(case, "L").eku = ("2.16.840.1.113730.4.1",)


@mutation("eku-server-on-inter")
def _eku_inter_server(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").eku = ("serverAuth", "clientAuth")


# names
@mutation("san-absent-cn-matches")
def _san_absent(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = None


@mutation("san-absent-cn-other")
def _san_absent_other(case: Case, rng: random.Random) -> None:
    leaf = _pos(case, "L")
    leaf.sans, leaf.cn = None, f"other.{DOMAIN}"


@mutation("san-wrong-name")
def _san_wrong(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = (f"other.{DOMAIN}",)


@mutation("san-wildcard")
def _san_wild(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = (f"*.{DOMAIN}",)


@mutation("san-wildcard-two-levels")
def _san_wild2(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = ("*.test",)


@mutation("san-partial-wildcard")
def _san_partial(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = (f"c*.{DOMAIN}",)


@mutation("san-ip-only")
def _san_ip(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = ("ip:127.0.0.1",)


@mutation("san-upper-case")
def _san_upper(case: Case, rng: random.Random) -> None:
    _pos(case, "L").sans = (case.host.upper(),)


@mutation("san-critical-empty-subject")
def _san_crit_empty_subject(case: Case, rng: random.Random) -> None:
    leaf = _pos(case, "L")
    leaf.subject_empty, leaf.san_critical = True, True


@mutation("san-critical-no-names")
def _san_crit_none(case: Case, rng: random.Random) -> None:
    leaf = _pos(case, "L")
    leaf.empty_san, leaf.san_critical = True, True


@mutation("san-critical")
def _san_crit(case: Case, rng: random.Random) -> None:
    _pos(case, "L").san_critical = True


# name constraints
@mutation("nc-dns-permitted-ok")
def _nc_ok(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = ((f"dns:{DOMAIN}",), ())


@mutation("nc-dns-permitted-other")
def _nc_other(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = (("dns:example.org",), ())


@mutation("nc-dns-excluded")
def _nc_excl(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = ((), (f"dns:{DOMAIN}",))


@mutation("nc-on-root")
def _nc_root(case: Case, rng: random.Random) -> None:
    _pos(case, "R").nc = (("dns:example.org",), ())


@mutation("nc-dns-cn-only-leaf")
def _nc_cn(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = (("dns:example.org",), ())
    _pos(case, "L").sans = None


@mutation("nc-ip")
def _nc_ip(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = (("ip:10.0.0.0/8",), ())


@mutation("nc-dirname")
def _nc_dirname(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").nc = (("dn:elsewhere",), ())


# path length
@mutation("pathlen-0-inter-with-sub-ca")
def _pathlen_inter(case: Case, rng: random.Random) -> None:
    _add_inter(case)
    _pos(case, "I1").path_length = 0


@mutation("pathlen-0-root-with-two-cas")
def _pathlen_root(case: Case, rng: random.Random) -> None:
    _add_inter(case)
    _pos(case, "R").path_length = 0


@mutation("pathlen-1-root-with-two-cas")
def _pathlen_root1(case: Case, rng: random.Random) -> None:
    _add_inter(case)
    _pos(case, "R").path_length = 1
    _pos(case, "I1").path_length = 1


def _add_inter(case: Case) -> None:
    """L <- I2 <- I1 <- R, with I2 sent after the leaf."""
    if "I2" in case.specs:
        return
    i1 = _pos(case, "I1")
    case.specs["I2"] = replace(
        i1, name="I2", issuer="I1", cn="Diff Inter CA 2", key_slot=(i1.key_slot + 1) % 4
    )
    _pos(case, "L").issuer = "I2"
    case.sent = ["L", "I2", *[n for n in case.sent if n != "L"]]


# keys
for _kind in (
    "rsa512",
    "rsa1024",
    "rsa3072",
    "rsa4096",
    "p192",
    "p224",
    "p384",
    "p521",
    "secp256k1",
    "brainpool256",
    "ed25519",
    "ed448",
    "dsa1024",
    "dsa2048",
):
    _each_position(f"key-{_kind}", "I1 R", _set(key=_kind))
for _kind in ("rsa1024", "rsa3072", "p521", "ed25519"):
    _each_position(f"key-{_kind}", "L", _set(key=_kind))


# signature algorithms: how a certificate is signed, fitted to its issuer's key
def _sign_with(
    hash_name: str, pss: tuple[int | None, str | None] | None = None
) -> Callable[[Spec, Case, random.Random], None]:
    def apply(spec: Spec, case: Case, rng: random.Random) -> None:
        issuer = case.specs[spec.issuer] if spec.issuer else spec
        if pss is not None or hash_name == "md5":
            issuer.key = "rsa2048"  # RSA-PSS and MD5 need an RSA issuer
        elif hash_name in ("sha384", "sha512") and issuer.key.startswith("dsa"):
            return
        spec.hash, spec.pss = hash_name, pss

    return apply


for _h in ("sha1", "md5", "sha224", "sha384", "sha512"):
    _each_position(f"sig-{_h}", "L I1", _sign_with(_h))
_each_position("sig-rsa-pss", "L I1", _sign_with("sha256", (None, None)))
_each_position("sig-rsa-pss-salt-0", "L I1", _sign_with("sha256", (0, None)))
_each_position("sig-rsa-pss-mgf-sha1", "L I1", _sign_with("sha384", (20, "sha1")))
_each_position("sig-sha1-self", "R", _sign_with("sha1"))


# duplicates and names
@mutation("duplicate-subject-other-key-sent-first")
def _dup(case: Case, rng: random.Random) -> None:
    i1 = _pos(case, "I1")
    case.specs["D"] = replace(i1, name="D", key_slot=(i1.key_slot + 2) % 4)
    case.sent.insert(1, "D")


@mutation("root-rekeyed-in-store")
def _rekeyed(case: Case, rng: random.Random) -> None:
    root = _pos(case, "R")
    case.specs["R2"] = replace(root, name="R2", key_slot=(root.key_slot + 1) % 4)
    case.trust = ["R2" if t == "R" else t for t in case.trust]


@mutation("issuer-name-case-differs")
def _name_case(case: Case, rng: random.Random) -> None:
    i1 = _pos(case, "I1")
    _pos(case, "L").issuer_override = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, i1.org.upper()),
            x509.NameAttribute(NameOID.COMMON_NAME, i1.cn.upper()),
        ]
    )


# policies
@mutation("policy-required-leaf-without")
def _policy_missing(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").require_explicit = 0
    _pos(case, "I1").policies = ("2.23.140.1.2.1",)


@mutation("policy-required-leaf-with")
def _policy_ok(case: Case, rng: random.Random) -> None:
    _pos(case, "I1").require_explicit = 0
    _pos(case, "I1").policies = ("2.23.140.1.2.1",)
    _pos(case, "L").policies = ("2.23.140.1.2.1",)


@mutation("policy-leaf-only")
def _policy_leaf(case: Case, rng: random.Random) -> None:
    _pos(case, "L").policies = ("1.3.6.1.4.1.99999.1",)


# what the store holds
@mutation("anchor-is-intermediate")
def _anchor_inter(case: Case, rng: random.Random) -> None:
    case.trust = ["I1"]


@mutation("anchor-is-leaf")
def _anchor_leaf(case: Case, rng: random.Random) -> None:
    case.trust = ["L"]


@mutation("store-holds-root-and-intermediate")
def _store_both(case: Case, rng: random.Random) -> None:
    case.trust = ["R", "I1"]


@mutation("store-other-root")
def _store_other(case: Case, rng: random.Random) -> None:
    case.trust = ["X"]


@mutation("self-signed-leaf-trusted")
def _ss_trusted(case: Case, rng: random.Random) -> None:
    _pos(case, "L").issuer = None
    case.sent, case.trust = ["L"], ["L"]


@mutation("self-signed-leaf-untrusted")
def _ss_untrusted(case: Case, rng: random.Random) -> None:
    _pos(case, "L").issuer = None
    case.sent = ["L"]


# what the server sends
@mutation("missing-intermediate")
def _missing(case: Case, rng: random.Random) -> None:
    case.sent = [n for n in case.sent if n == "L"]


@mutation("extra-unrelated-cert")
def _extra(case: Case, rng: random.Random) -> None:
    case.sent.insert(1, "X")


@mutation("root-sent")
def _root_sent(case: Case, rng: random.Random) -> None:
    case.sent.append("R")


@mutation("root-sent-first")
def _root_first(case: Case, rng: random.Random) -> None:
    case.sent.insert(1, "R")


@mutation("reversed-intermediates")
def _reversed(case: Case, rng: random.Random) -> None:
    _add_inter(case)
    case.sent = ["L", *reversed(case.sent[1:])]


@mutation("duplicated-intermediate")
def _duplicated(case: Case, rng: random.Random) -> None:
    case.sent.append(case.sent[-1])


@mutation("leaf-sent-twice")
def _leaf_twice(case: Case, rng: random.Random) -> None:
    case.sent.insert(1, "L")


def named_case(ident: int, mutations: list[str], **keys: str) -> Case:
    """A fixed case: the baseline with these mutations and, optionally, chosen key kinds."""
    case = baseline(ident, 0, random.Random(ident))
    for role, kind in keys.items():
        case.specs[role].key = kind
    for name in mutations:
        MUTATIONS[name](case, random.Random(ident))
        case.mutations.append(name)
    return case


def generate(seed: int, count: int, *, start: int = 0) -> list[Case]:
    """``count`` cases from ``seed``: the same seed gives the same cases."""
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    cases = []
    for n in range(count):
        case = baseline(start + n, seed, rng)
        for name in rng.sample(names, rng.choice((1, 1, 2, 2, 3))):
            MUTATIONS[name](case, rng)
            case.mutations.append(name)
        cases.append(case)
    return cases


# --- building the certificates -------------------------------------------------------

_EKU = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "anyExtendedKeyUsage": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}
_KU_FIELDS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
NOW = datetime.now(UTC).replace(microsecond=0)


def _subject(spec: Spec) -> x509.Name:
    if spec.subject_empty:
        return x509.Name([])
    kind = x509.name._ASN1Type.PrintableString if spec.printable else x509.name._ASN1Type.UTF8String
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, spec.org),
            x509.NameAttribute(NameOID.COMMON_NAME, spec.cn, _type=kind),
        ]
    )


def _general(value: str) -> x509.GeneralName:
    import ipaddress

    if value.startswith("ip:"):
        text = value[3:]
        return x509.IPAddress(
            ipaddress.ip_network(text) if "/" in text else ipaddress.ip_address(text)
        )
    if value.startswith("dn:"):
        return x509.DirectoryName(
            x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, value[3:])])
        )
    return x509.DNSName(value.removeprefix("dns:"))


def _extensions(spec: Spec, issuer_key: Any, public: Any) -> list[bytes]:
    out: list[bytes] = []
    garbage = b"\x30\x03\x81\x01"

    def add(oid: x509.ObjectIdentifier, critical: bool, value: bytes) -> None:
        if oid.dotted_string in spec.garbage:
            value, critical = garbage, False
        out.append(der.extension(oid.dotted_string, critical, value))

    if spec.ca is not None:
        bc = x509.BasicConstraints(spec.ca, spec.path_length if spec.ca else None)
        add(bc.oid, True, bc.public_bytes())
    if spec.ku is not None:
        ku = x509.KeyUsage(*(f in spec.ku for f in _KU_FIELDS), False, False)
        add(ku.oid, spec.ku_critical, ku.public_bytes())
    if spec.eku is not None:
        eku = x509.ExtendedKeyUsage([_EKU.get(e) or x509.ObjectIdentifier(e) for e in spec.eku])
        add(eku.oid, spec.eku_critical, eku.public_bytes())
    elif "2.5.29.37" in spec.garbage:
        add(x509.ObjectIdentifier("2.5.29.37"), False, b"")
    if spec.empty_san:
        add(x509.ObjectIdentifier("2.5.29.17"), spec.san_critical, b"\x30\x00")
    elif spec.sans is not None:
        san = x509.SubjectAlternativeName([_general(s) for s in spec.sans])
        add(san.oid, spec.san_critical, san.public_bytes())
    elif "2.5.29.17" in spec.garbage:
        add(x509.ObjectIdentifier("2.5.29.17"), False, b"")
    if spec.ski:
        ski = x509.SubjectKeyIdentifier.from_public_key(public)
        add(ski.oid, False, ski.public_bytes())
    if (spec.aki != "absent" and spec.issuer is not None) or spec.aki == "wrong":
        key_id = (
            bytes(random.Random(spec.key_slot).randbytes(20))
            if spec.aki == "wrong"
            else x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key()).digest
        )
        aki = x509.AuthorityKeyIdentifier(key_id, None, None)
        add(aki.oid, False, aki.public_bytes())
    if spec.nc is not None:
        permitted = [_general(v) for v in spec.nc[0]] or None
        excluded = [_general(v) for v in spec.nc[1]] or None
        nc = x509.NameConstraints(permitted, excluded)
        add(nc.oid, True, nc.public_bytes())
    if spec.policies is not None:
        cp = x509.CertificatePolicies(
            [x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in spec.policies]
        )
        add(cp.oid, False, cp.public_bytes())
    if spec.require_explicit is not None:
        pc = x509.PolicyConstraints(spec.require_explicit, None)
        add(pc.oid, True, pc.public_bytes())
    if spec.unknown_critical:
        out.append(der.extension("1.3.6.1.4.1.55555.1", True, b"\x05\x00"))
    return out


@dataclass
class Built:
    ders: dict[str, bytes]
    keys: dict[str, Any]


def build(case: Case) -> Built:
    ders: dict[str, bytes] = {}
    keys: dict[str, Any] = {}

    def make(name: str) -> None:
        if name in ders:
            return
        spec = case.specs[name]
        if spec.issuer is not None:
            make(spec.issuer)
        private = key(spec.key, spec.key_slot)
        issuer = case.specs[spec.issuer] if spec.issuer else spec
        signing = keys[issuer.name] if spec.issuer else private
        issuer_name = spec.issuer_override or _subject(issuer)
        alg = der.SigAlg(spec.hash, spec.pss is not None, *(spec.pss or (None, None)))
        if not isinstance(signing, rsa.RSAPrivateKey):
            alg = der.SigAlg("sha256" if spec.hash in ("md5",) else spec.hash)
        if isinstance(signing, dsa.DSAPrivateKey) and alg.hash not in ("sha1", "sha224", "sha256"):
            alg = der.SigAlg("sha256")
        if isinstance(signing, rsa.RSAPrivateKey) and signing.key_size < 1024:
            alg = der.SigAlg("md5" if alg.hash == "md5" else "sha256")  # longer digests do not fit
        serial = (
            spec.serial
            if spec.serial is not None
            else random.Random(f"{case.seed}-{case.ident}-{name}").getrandbits(64) | 1
        )
        ders[name] = der.certificate(
            version=spec.version,
            serial=serial,
            issuer=issuer_name.public_bytes(),
            subject=_subject(spec).public_bytes(),
            not_before=NOW + timedelta(days=spec.not_before),
            not_after=NOW + timedelta(days=spec.not_after),
            public_key=private.public_key(),
            extensions=_extensions(spec, signing, private.public_key()),
            signing_key=signing,
            alg=alg,
            corrupt=spec.corrupt,
        )
        keys[name] = private

    for name in {*case.sent, *case.trust}:
        make(name)
    return Built(ders, keys)
