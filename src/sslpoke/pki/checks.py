"""The rules a candidate path must pass, each returning findings instead of raising.

A path is ``leaf, intermediates..., last``; when it is anchored, ``last`` is the
trust anchor. Every rule runs on every path so that a report can list all that
is wrong with the closest path, not only the first thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from sslpoke.pki import hostname
from sslpoke.pki.anchors import Anchor
from sslpoke.pki.certs import Cert
from sslpoke.pki.findings import Finding
from sslpoke.pki.policy import Profile
from sslpoke.pki.signature import Sig
from sslpoke.problems import Code, Severity

if TYPE_CHECKING:
    from sslpoke.pki.revocation import CrlSet

# Extensions the validator understands; any other critical one fails the path.
UNDERSTOOD = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.NAME_CONSTRAINTS,
        ExtensionOID.CERTIFICATE_POLICIES,
        ExtensionOID.POLICY_CONSTRAINTS,
        ExtensionOID.POLICY_MAPPINGS,
        ExtensionOID.INHIBIT_ANY_POLICY,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    }
)
# Java also accepts the old Netscape/Microsoft "server gated crypto" purposes.
JAVA_SERVER_EKUS = frozenset(
    {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
        x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
        x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    }
)


class KeyExchange(StrEnum):
    """What the server's key was used for in the handshake (Java checks keyUsage by it)."""

    SIGNATURE = "signature"  # TLS 1.3, (EC)DHE: digitalSignature
    ENCIPHERMENT = "encipherment"  # TLS_RSA_*: keyEncipherment
    AGREEMENT = "agreement"  # static (EC)DH: keyAgreement


class Context(NamedTuple):
    profile: Profile
    at: datetime
    hostname: str | None = None
    key_exchange: KeyExchange | None = None
    #: Java's HostnameChecker applies the public-suffix rule only to chains that
    #: end at a root in the JDK's own cacerts.
    public_anchor: Callable[[Cert], bool] | None = None
    crls: CrlSet | None = None
    expiring_days: int = 30


def _err(code: Code, pos: int | None, detail: str) -> Finding:
    return Finding(code, Severity.ERROR, pos, detail)


def _warn(code: Code, pos: int | None, detail: str) -> Finding:
    return Finding(code, Severity.WARNING, pos, detail)


def _fmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def check_path(
    path: Sequence[Cert],
    links: Sequence[Sig],
    anchor: Anchor | None,
    ctx: Context,
) -> list[Finding]:
    """All findings for one candidate path."""
    p = ctx.profile
    n = len(path)
    anchored = anchor is not None
    out: list[Finding] = []
    at = ctx.at.replace(microsecond=0)

    for i, cert in enumerate(path):
        is_anchor = anchored and i == n - 1
        is_leaf = i == 0
        checked = not is_anchor or p.check_anchor
        if (
            cert.extension_error
            and not (is_anchor and not is_leaf and not p.check_anchor)
            # (Java reads a trust anchor's extensions only for its CA check)
            and not (p.java_parsing and _only_empty_name_constraints(cert))
        ):
            out.append(
                _err(
                    Code.INVALID_CERTIFICATE, i, f"cannot be fully parsed ({cert.extension_error})"
                )
            )
        out.extend(_unparsed(cert, i, p))
        # Java pins the leaf without looking at it when the leaf itself is trusted.
        pinned_java = is_anchor and is_leaf and not p.check_anchor
        if checked and not pinned_java:
            out.extend(_dates(cert, i, at, ctx))
        out.extend(_key(cert, i, p, is_anchor))
        if not is_anchor:
            out.extend(_signature_algorithm(cert, i, p, anchor))
        elif pinned_java and (cert.signature_hash or "") in p.forbidden_hashes:
            # Java offers no signature scheme for it, so the server has no certificate
            # it may send: the handshake fails before Java looks at its truststore.
            out.append(
                _err(
                    Code.WEAK_SIGNATURE,
                    i,
                    f"is signed with {cert.signature_algorithm}; even trusted as it is, Java "
                    "cannot use it: it offers no such signature scheme, so the handshake fails "
                    "(Received fatal alert: handshake_failure)",
                )
            )
        if p.strict_structure and checked:
            out.extend(_structure(cert, i, is_leaf, is_anchor, n))
        if checked and not pinned_java:
            out.extend(_critical_extensions(cert, i))
        if not is_leaf and checked:
            out.extend(_ca_rules(cert, i, p, is_anchor))
        elif is_anchor and not is_leaf and p.anchor_must_be_ca:
            out.extend(_java_anchor(cert, i))

    for i, sig in enumerate(links):
        if sig is Sig.BAD:
            out.append(
                _err(
                    Code.BAD_SIGNATURE,
                    i,
                    f"has a signature that does not verify with the key of {path[i + 1].display_name!r}",
                )
            )
        elif sig is Sig.UNSUPPORTED:
            out.append(
                _err(
                    Code.WEAK_SIGNATURE,
                    i,
                    f"is signed with {path[i].signature_algorithm}, which cannot be verified",
                )
            )

    if anchored and anchor is not None and p.ca_distrust:
        out.extend(_distrust(path, anchor, p))
    out.extend(_path_length(path, anchored, p))
    out.extend(_name_constraints(path, anchored and not p.anchor_name_constraints, p))
    if p.policy_checks and any(c.ext_value(x509.PolicyConstraints) for c in path):
        from sslpoke.pki.policies import check_policies

        out.extend(
            _err(Code.POLICY, pos, detail)
            for pos, detail in check_policies(path[:-1] if anchored else path)
        )
    leaf_checked = not (anchored and n == 1 and not p.check_anchor)
    if leaf_checked:
        out.extend(_leaf_usage(path[0], p, ctx))
    if ctx.hostname:
        out.extend(hostname_findings(path, anchor, ctx))
    if ctx.crls is not None:
        out.extend(ctx.crls.check_path(path, anchored, at))
    return out


# --- individual rules -----------------------------------------------------------


def _dates(cert: Cert, i: int, at: datetime, ctx: Context) -> list[Finding]:
    if at < cert.not_before:
        return [_err(Code.NOT_YET_VALID, i, f"is not valid before {_fmt(cert.not_before)}")]
    if at > cert.not_after:
        days = (at - cert.not_after).days
        ago = f"{_days(days)} ago" if days else "less than a day ago"
        return [_err(Code.EXPIRED, i, f"expired on {_fmt(cert.not_after)} ({ago})")]
    left = cert.not_after - at
    if left < timedelta(days=ctx.expiring_days):
        when = f"in {_days(left.days)}" if left.days else "within a day"
        return [_warn(Code.EXPIRING_SOON, i, f"expires on {_fmt(cert.not_after)}, {when}")]
    return []


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _key(cert: Cert, i: int, p: Profile, is_anchor: bool) -> list[Finding]:
    if cert.key_error:
        return [
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                f"has a public key that cannot be read ({cert.key_error})",
            )
        ]
    kind, bits = cert.key_type, cert.key_bits
    desc = cert.key_description
    if kind == "RSA":
        if bits < p.min_rsa_bits:
            return [
                _err(
                    Code.WEAK_KEY,
                    i,
                    f"has an {desc}-bit key, below the minimum of {p.min_rsa_bits} bits",
                )
            ]
        if p.rsa_bits_multiple_of_8 and bits % 8:
            return [
                _err(Code.WEAK_KEY, i, f"has an {desc}-bit key, which is not a multiple of 8 bits")
            ]
        if bits < p.warn_rsa_bits and not is_anchor:
            return [
                _warn(
                    Code.WEAK_KEY,
                    i,
                    f"has an {desc}-bit key: Java accepts it, browsers refuse keys under 2048 bits",
                )
            ]
    elif kind == "DSA":
        if p.min_dsa_bits is None:
            return [_err(Code.WEAK_KEY, i, "has a DSA key, which is not allowed")]
        if bits < p.min_dsa_bits:
            return [
                _err(
                    Code.WEAK_KEY,
                    i,
                    f"has a {desc}-bit key, below the minimum of {p.min_dsa_bits} bits",
                )
            ]
    elif kind == "EC":
        if p.allowed_curves is not None and cert.curve not in p.allowed_curves:
            why = (
                "which Java 16 and later cannot verify (Java says: Curve not supported)"
                if p.name == "java"
                else "which is not allowed"
            )
            return [
                _err(
                    Code.WEAK_KEY,
                    i,
                    f"uses the curve {cert.curve}, {why}; use P-256 or P-384",
                )
            ]
        if bits < p.min_ec_bits:
            return [
                _err(
                    Code.WEAK_KEY,
                    i,
                    f"has an {desc} key, below the minimum of {p.min_ec_bits} bits",
                )
            ]
    elif kind in ("Ed25519", "Ed448"):
        if not p.allow_eddsa:
            return [_err(Code.WEAK_KEY, i, f"has an {kind} key, which is not allowed")]
    else:
        return [_err(Code.WEAK_KEY, i, "has a public key of an unknown type")]
    return []


def _signature_algorithm(cert: Cert, i: int, p: Profile, anchor: Anchor | None) -> list[Finding]:
    algo = cert.signature_hash or ""
    name = cert.signature_algorithm
    if algo in p.forbidden_hashes:
        return [_err(Code.WEAK_SIGNATURE, i, f"is signed with {name}, which is refused")]
    refused = p.tls_refused_signatures
    if refused and (algo in refused or ("dsa" in refused and cert.signature_key_type == "DSA")):
        return [
            _err(
                Code.WEAK_SIGNATURE,
                i,
                f"is signed with {name}, which {p.java or 'this Java'}'s TLS client does not accept "
                f"(Java says: Algorithm constraints check failed on signature algorithm)",
            )
        ]
    if algo == "sha1" and p.sha1_only_under_jdkca:
        if anchor is not None and anchor.is_jdk_ca:
            return [
                _err(
                    Code.WEAK_SIGNATURE,
                    i,
                    f"is signed with {name}; Java refuses SHA-1 under the JDK's own roots "
                    f"(alias {anchor.alias!r})",
                )
            ]
        return [
            _warn(
                Code.WEAK_SIGNATURE,
                i,
                f"is signed with {name}: Java accepts it under a "
                "private root, refused by browsers and most other clients",
            )
        ]
    if p.allowed_hashes is not None and algo and algo not in p.allowed_hashes:
        return [_err(Code.WEAK_SIGNATURE, i, f"is signed with {name}, which is not allowed")]
    return []


def _unparsed(cert: Cert, i: int, p: Profile) -> list[Finding]:
    out: list[Finding] = []
    for bad in cert.unparsed_extensions:
        if bad.critical:
            continue  # extension_error reports it
        if p.strict_structure:
            out.append(
                _err(
                    Code.INVALID_CERTIFICATE, i, f"has an extension {bad.oid} that cannot be parsed"
                )
            )
        else:
            out.append(
                _warn(
                    Code.INVALID_CERTIFICATE,
                    i,
                    f"has a non-critical extension {bad.oid} that cannot be parsed; Java ignores it",
                )
            )
    san = cert.ext(x509.SubjectAlternativeName)
    if p.java_parsing and not cert.issuer.rdns:
        out.append(
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                "has an empty issuer name, which Java refuses to parse "
                "(Empty issuer DN not allowed in X509Certificates)",
            )
        )
    if p.java_parsing and not cert.subject.rdns and not (san is not None and san.critical):
        # X509CertImpl: "X.509 Certificate is incomplete: ..."
        out.append(
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                "has an empty subject and "
                + ("a non-critical subjectAltName" if san is not None else "no subjectAltName")
                + ", which Java refuses to parse (SubjectAlternativeName extension MUST be marked "
                "critical when subject field is empty)",
            )
        )
    if san is not None and san.critical and not list(san.value):
        # Java: "No data available in passed DER encoded value" while parsing the certificate.
        out.append(
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                "has a critical subjectAltName extension with no names in it, which Java cannot parse",
            )
        )
    return out


def _only_empty_name_constraints(cert: Cert) -> bool:
    """The one unreadable critical extension is a nameConstraints with no subtrees."""
    from sslpoke import asn1

    bad = cert.unparsed_extensions
    if not bad or cert._extensions[1] is not None:
        return False
    for ext in bad:
        if not ext.critical:
            continue
        if ext.oid != "2.5.29.30":
            return False
        try:
            top = asn1.read_tlv(ext.value)
            if top.tag != asn1.SEQUENCE or any(
                c.tag not in (0xA0, 0xA1) or c.end > c.value_start
                for c in asn1.children(ext.value, top)
            ):
                return False
        except asn1.DerError:
            return False
    return True


def _java_anchor(cert: Cert, i: int) -> list[Finding]:
    """What Java's PKIXValidator asks of the trust anchor a path ends at."""
    if cert.raw.version < 2:
        return []  # Java allows version 1 anchors
    subject = cert.subject_text
    bc = cert.basic_constraints
    if bc is None or not bc.ca:
        return [
            _err(
                Code.NOT_A_CA,
                i,
                f"is the trust anchor but not a CA certificate; Java says: TrustAnchor with "
                f'subject "{subject}" is not a CA certificate (allowed only with '
                "-Djdk.security.allowNonCaAnchor=true)",
            )
        ]
    ku = cert.key_usage
    if ku is not None and not ku.key_cert_sign:
        return [
            _err(
                Code.BAD_KEY_USAGE,
                i,
                f'is the trust anchor but its keyUsage lacks keyCertSign; Java says: TrustAnchor with subject "{subject}" '
                "does not have keyCertSign bit set in KeyUsage extension",
            )
        ]
    return []


def _distrust(path: Sequence[Cert], anchor: Anchor, p: Profile) -> list[Finding]:
    """jdk.security.caDistrustPolicies: judged on the leaf's notBefore, as the JDK does."""
    from sslpoke.data.jdk_distrust import distrusting

    policy = distrusting(anchor.cert.sha256.hex(), p.ca_distrust)
    if policy is None or path[0].not_before.date() <= policy.after:
        return []
    return [
        _err(
            Code.DISTRUSTED_CA,
            len(path) - 1,
            f"is distrusted by Java for server certificates issued after {policy.after} "
            f"({policy.name} in jdk.security.caDistrustPolicies); Java says: TLS Server certificate "
            f"issued after {policy.after} and anchored by a distrusted legacy {policy.label} root CA: "
            f"{anchor.cert.subject_text}",
        )
    ]


def _critical_extensions(cert: Cert, i: int) -> list[Finding]:
    unknown = [
        ext.oid.dotted_string
        for ext in cert.extensions
        if ext.critical and ext.oid not in UNDERSTOOD
    ]
    if unknown:
        return [
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                f"has an unrecognised critical extension ({', '.join(unknown)})",
            )
        ]
    return []


def _ca_rules(cert: Cert, i: int, p: Profile, is_anchor: bool) -> list[Finding]:
    out: list[Finding] = []
    bc = cert.basic_constraints
    if bc is None:
        if not (cert.raw.version < 2 and is_anchor):
            out.append(
                _err(
                    Code.NOT_A_CA,
                    i,
                    "has no basicConstraints extension, so it may not issue certificates",
                )
            )
    elif not bc.ca:
        out.append(_err(Code.NOT_A_CA, i, "is not a CA certificate (basicConstraints cA is false)"))
    elif p.strict_structure and not cert.critical(ExtensionOID.BASIC_CONSTRAINTS):
        out.append(
            _err(
                Code.INVALID_CERTIFICATE,
                i,
                "has a non-critical basicConstraints extension; a CA certificate must mark it critical",
            )
        )
    ku = cert.key_usage
    if ku is not None and not ku.key_cert_sign:
        out.append(
            _err(
                Code.BAD_KEY_USAGE,
                i,
                "has a keyUsage that does not allow signing certificates (no keyCertSign)",
            )
        )
    if p.strict_structure:
        eku = cert.eku
        if eku is not None:
            if is_anchor and cert.self_issued:
                out.append(
                    _err(
                        Code.BAD_EKU,
                        i,
                        "is a root certificate with an extendedKeyUsage extension, which is not allowed",
                    )
                )
            elif ExtendedKeyUsageOID.SERVER_AUTH not in eku:
                out.append(
                    _err(
                        Code.BAD_EKU,
                        i,
                        "has an extendedKeyUsage that does not allow TLS server authentication",
                    )
                )
    return out


def _path_length(path: Sequence[Cert], anchored: bool, p: Profile) -> list[Finding]:
    """RFC 5280 6.1.4 (l)-(m), walking from the anchor down.

    Self-issued intermediates do not count, and the leaf never does (even when
    it is a CA certificate). Java does not apply the anchor's own pathLen.
    """
    top = len(path) - 1
    max_len: int | None = None
    limiter = 0
    for i in range(top, 0, -1):
        cert = path[i]
        if anchored and i == top:
            if not p.check_anchor:
                continue
        elif not cert.self_issued and max_len is not None:
            if max_len <= 0:
                bc = path[limiter].basic_constraints
                limit = bc.path_length if bc is not None else 0
                return [
                    _err(
                        Code.PATH_LENGTH_EXCEEDED,
                        limiter,
                        f"has a pathLenConstraint of {limit}, exceeded by {cert.display_name!r} below it",
                    )
                ]
            max_len -= 1
        bc = cert.basic_constraints
        if (
            bc is not None
            and bc.path_length is not None
            and (max_len is None or bc.path_length < max_len)
        ):
            max_len, limiter = bc.path_length, i
    return []


def _name_constraints(path: Sequence[Cert], skip_top: bool, p: Profile) -> list[Finding]:
    """Apply each CA's constraints to every certificate below it (``skip_top``: not the anchor's)."""
    if not any(c.ext(x509.NameConstraints) is not None for c in path[1:]):
        return []
    from sslpoke.pki import nameconstraints

    out: list[Finding] = []
    budget = nameconstraints.Budget()
    n = len(path)
    for ci in range(n - 2 if skip_top else n - 1, 0, -1):
        ca = path[ci]
        ext = ca.ext(x509.NameConstraints)
        if ext is None:
            continue
        try:
            permitted, excluded = nameconstraints.parse(ext.value, java=p.java_parsing)
        except nameconstraints.NameConstraintError as exc:
            out.append(_err(Code.NAME_CONSTRAINTS, ci, str(exc)))
            continue
        for j in range(ci - 1, -1, -1):
            sub = path[j]
            if j > 0 and sub.self_issued:
                continue  # RFC 5280 6.1.3 (b)
            try:
                names = nameconstraints.Names.of(sub, java_cn=p.cn_name_constraints)
                nameconstraints.check(names, permitted, excluded, budget, java=p.java_parsing)
            except nameconstraints.NameConstraintError as exc:
                out.append(
                    _err(
                        Code.NAME_CONSTRAINTS,
                        j,
                        f"breaks a name constraint of {ca.display_name!r}: {exc}",
                    )
                )
                return out
    return out


def _eku_names(eku: x509.ExtendedKeyUsage) -> str:
    return ", ".join(getattr(o, "_name", o.dotted_string) for o in eku)


def _leaf_usage(leaf: Cert, p: Profile, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    eku = leaf.eku
    if eku is None:
        if p.require_leaf_eku:
            out.append(
                _err(Code.BAD_EKU, 0, "has no extendedKeyUsage; the CA/B Forum requires serverAuth")
            )
    elif p.any_eku_ok:
        if not any(o in JAVA_SERVER_EKUS for o in eku):
            out.append(
                _err(
                    Code.BAD_EKU,
                    0,
                    f"has an extendedKeyUsage ({_eku_names(eku)}) without serverAuth",
                )
            )
    elif ExtendedKeyUsageOID.SERVER_AUTH not in eku:
        out.append(
            _err(Code.BAD_EKU, 0, f"has an extendedKeyUsage ({_eku_names(eku)}) without serverAuth")
        )
    elif ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku:
        out.append(
            _err(
                Code.BAD_EKU,
                0,
                "has anyExtendedKeyUsage, which is not allowed in a server certificate",
            )
        )
    elif leaf.critical(ExtensionOID.EXTENDED_KEY_USAGE):
        out.append(
            _err(
                Code.BAD_EKU,
                0,
                "has a critical extendedKeyUsage extension, which must not be critical",
            )
        )

    ku = leaf.key_usage
    if ku is None:
        return out
    if p.tls_key_usage:
        need = ctx.key_exchange
        if need is KeyExchange.SIGNATURE:
            ok, wanted = ku.digital_signature, "digitalSignature"
        elif need is KeyExchange.ENCIPHERMENT:
            ok, wanted = ku.key_encipherment, "keyEncipherment"
        elif need is KeyExchange.AGREEMENT:
            ok, wanted = ku.key_agreement, "keyAgreement"
        else:
            ok = ku.digital_signature or ku.key_encipherment or ku.key_agreement
            wanted = "digitalSignature or keyEncipherment"
        if not ok:
            out.append(
                _err(
                    Code.BAD_KEY_USAGE,
                    0,
                    f"has a keyUsage without {wanted}, which this TLS server needs",
                )
            )
    if p.strict_structure and ku.key_cert_sign and not leaf.is_ca:
        out.append(
            _err(
                Code.BAD_KEY_USAGE, 0, "has keyCertSign in its keyUsage but is not a CA certificate"
            )
        )
    return out


def hostname_findings(path: Sequence[Cert], anchor: Anchor | None, ctx: Context) -> list[Finding]:
    """Whether ``path``'s leaf is valid for ``ctx.hostname`` (given), by the profile's
    rules: the finding :func:`check_path` adds for it, or none. Java's public-suffix
    rule depends on ``anchor`` (a stock root or not), nothing else on the path."""
    assert ctx.hostname
    leaf = path[0]
    if ctx.profile.require_san:
        result = hostname.check_webpki(leaf, ctx.hostname)
    else:
        judge = ctx.public_anchor

        def public() -> bool:
            return bool(anchor is not None and judge is not None and judge(anchor.cert))

        result = hostname.check_java(
            leaf, ctx.hostname, public_anchor=public, version=ctx.profile.java_version
        )
    if result.ok:
        return []
    code = (
        Code.MISSING_SAN
        if result.missing_san and ctx.profile.require_san
        else Code.HOSTNAME_MISMATCH
    )
    return [_err(code, 0, f"is not valid for {ctx.hostname}: {result.detail}")]


def _structure(cert: Cert, i: int, is_leaf: bool, is_anchor: bool, n: int) -> list[Finding]:
    """RFC 5280 and CA/B Forum encoding rules that strict (browser-grade) validators apply."""
    bad: list[str] = []
    raw = cert.raw
    if raw.version != 2:
        bad.append(f"is a version {raw.version + 1} certificate; version 3 is required")
    if raw.inner_signature_algorithm != raw.outer_signature_algorithm:
        bad.append("has two signature algorithm fields that differ")
    if not is_anchor:
        serial = cert.serial
        if serial <= 0:
            bad.append("has a serial number that is not positive")
        elif (serial.bit_length() + 8) // 8 > 20:
            bad.append("has a serial number longer than 20 octets")
    if cert.explicit_curve:
        bad.append("has an EC key with explicit curve parameters instead of a named curve")
    if not cert.raw.issuer or cert.issuer.rdns == []:
        bad.append("has an empty issuer name")
    ski = cert.ext(x509.SubjectKeyIdentifier)
    aki = cert.ext(x509.AuthorityKeyIdentifier)
    if ski is not None and ski.critical:
        bad.append("marks subjectKeyIdentifier critical, which is not allowed")
    if aki is not None and aki.critical:
        bad.append("marks authorityKeyIdentifier critical, which is not allowed")
    aia = cert.ext(x509.AuthorityInformationAccess)
    if aia is not None and aia.critical:
        bad.append("marks authorityInformationAccess critical, which is not allowed")
    self_signed_root = is_anchor and cert.self_issued
    if not is_leaf:  # a CA certificate
        if not cert.subject.rdns:
            bad.append("is a CA certificate with an empty subject")
        if ski is None:
            bad.append("is a CA certificate without a subjectKeyIdentifier")
    if self_signed_root:
        if aki is not None:
            value = aki.value
            if value.key_identifier is None:
                bad.append("has an authorityKeyIdentifier without a keyIdentifier")
            if (
                value.authority_cert_issuer is not None
                or value.authority_cert_serial_number is not None
            ):
                bad.append("is a root whose authorityKeyIdentifier holds more than a keyIdentifier")
            if ski is not None and value.key_identifier not in (None, ski.value.digest):
                bad.append(
                    "is a root whose authorityKeyIdentifier differs from its subjectKeyIdentifier"
                )
    elif not is_anchor and (aki is None or aki.value.key_identifier is None):
        bad.append("has no authorityKeyIdentifier keyIdentifier")
    if is_leaf:
        san = cert.ext(x509.SubjectAlternativeName)
        if san is not None:
            if san.critical and cert.subject.rdns:
                bad.append("marks subjectAltName critical although its subject is not empty")
            if not san.critical and not cert.subject.rdns:
                bad.append("has an empty subject but a non-critical subjectAltName")
        if cert.is_ca and not is_anchor:
            bad.append("is a CA certificate (basicConstraints cA) used as a server certificate")
        if cert.ext(x509.NameConstraints) is not None:
            bad.append("has name constraints, which only CA certificates may carry")
    out = [_err(Code.INVALID_CERTIFICATE, i, b) for b in bad]
    if is_leaf and cert.san is not None:
        for cn in cert.common_names:
            if cn not in cert.san_dns and cn not in cert.san_ips:
                # A CA/B Forum issuance rule that no TLS client enforces: warn only.
                out.append(
                    _warn(
                        Code.INVALID_CERTIFICATE,
                        i,
                        f"has a common name {cn!r} that is not one of its subjectAltNames, "
                        "which the CA/B Forum requires",
                    )
                )
                break
    return out
