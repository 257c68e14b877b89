"""PKCS#12 keystores, read and written at the level of their bags.

Why not just ``cryptography``'s PKCS#12 API: it does not expose bag attributes,
and Java decides what a PKCS#12 file trusts by one of them. A certificate is a
``trustedCertEntry`` only if its bag carries Oracle's trusted-usage attribute
(``2.16.840.1.113894.746875.1.1``); a file made by ``openssl pkcs12 -nokeys``
lacks it, and Java sees an empty truststore. Re-saving a store through that API
also drops every trusted certificate of a store that holds a private key. So
sslpoke walks the structure (RFC 7292) itself, decrypting certificate bags with
cryptography's primitives, and writes by appending or removing one bag while
every other byte stays as it was.

Layout::

    PFX { version 3, authSafe ContentInfo(data: AuthenticatedSafe), macData? }
    AuthenticatedSafe = SEQUENCE OF ContentInfo(data | encryptedData)   -- "safes"
    SafeContents = SEQUENCE OF SafeBag { bagId, [0] value, attributes? }
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from typing import NamedTuple

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from sslpoke import asn1
from sslpoke.errors import StoreError
from sslpoke.pki.certs import Cert, CertificateParseError
from sslpoke.stores.model import EntryKind, TrustEntry

OID_DATA = "1.2.840.113549.1.7.1"
OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
OID_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
OID_X509_CERT = "1.2.840.113549.1.9.22.1"
OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
OID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
OID_JAVA_TRUSTED = "2.16.840.1.113894.746875.1.1"
OID_ANY_EKU = "2.5.29.37.0"
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"

_HASHES: dict[str, type[hashes.SHA1 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# PBKDF2 pseudo-random functions (hmacWithSHA...) and MAC digests, by OID, as hash names.
_HMAC_PRF = {
    "1.2.840.113549.2.7": "sha1",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
}
_PRF_OID = {v: k for k, v in _HMAC_PRF.items()}
_DIGESTS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_DIGEST_OID = {v: k for k, v in _DIGESTS.items()}


def _hash(name: str) -> hashes.HashAlgorithm:
    return _HASHES[name]()


_AES = {
    "2.16.840.1.101.3.4.1.2": 16,
    "2.16.840.1.101.3.4.1.22": 24,
    "2.16.840.1.101.3.4.1.42": 32,
}
OID_DES_EDE3_CBC = "1.2.840.113549.3.7"
# pbeWithSHAAnd...: (cipher, key length)
_LEGACY_PBE = {
    "1.2.840.113549.1.12.1.3": ("3des", 24),
    "1.2.840.113549.1.12.1.4": ("3des", 16),
    "1.2.840.113549.1.12.1.5": ("rc2", 16),
    "1.2.840.113549.1.12.1.6": ("rc2", 5),
}


class Pkcs12Error(StoreError):
    pass


#: keytool (PKCS12KeyStore.MAX_ITERATION_COUNT) refuses more: a hostile file with
#: 2**31-1 rounds would otherwise keep sslpoke busy for hours.
MAX_ITERATIONS = 5_000_000


def _rounds(value: int, what: str) -> int:
    if not 1 <= value <= MAX_ITERATIONS:
        raise IterationCountError(
            f"{what} iteration count {value} is out of range (keytool refuses more than "
            f"{MAX_ITERATIONS:,})"
        )
    return value


class IterationCountError(ValueError):
    pass


def _corrupt(source: str, why: str) -> Pkcs12Error:
    return Pkcs12Error(f"{source}: corrupt PKCS#12 file ({why})", reason="corrupt")


# --- key derivation and ciphers -------------------------------------------------------


def bmp_password(password: str | None) -> bytes:
    """RFC 7292 B.1: BMPString with a two-byte terminator (nothing at all for no password)."""
    if password is None:
        return b""
    return password.encode("utf-16-be") + b"\x00\x00"


def pkcs12_kdf(
    hash_name: str,
    password: bytes,
    salt: bytes,
    ident: int,
    iterations: int,
    size: int,
) -> bytes:
    """RFC 7292 appendix B.2, used for the MAC key and legacy PBE keys.

    The iterated hash runs thousands of times (keytool: 10000), so it uses
    hashlib's one-call digests rather than building hash objects in a loop.
    """
    digest_of = getattr(hashlib, hash_name)
    u = digest_of().digest_size
    v = 128 if u > 32 else 64
    d = bytes([ident]) * v

    def stretch(data: bytes) -> bytes:
        if not data:
            return b""
        n = v * ((len(data) + v - 1) // v)
        return (data * (n // len(data) + 1))[:n]

    i_block = bytearray(stretch(salt) + stretch(password))
    out = b""
    while len(out) < size:
        a = digest_of(d + bytes(i_block)).digest()
        for _ in range(iterations - 1):
            a = digest_of(a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for j in range(0, len(i_block), v):
            chunk = int.from_bytes(i_block[j : j + v], "big")
            i_block[j : j + v] = ((chunk + b + 1) % (1 << (v * 8))).to_bytes(v, "big")
    return out[:size]


class Encryption(NamedTuple):
    """How a safe was encrypted, so that it can be encrypted again the same way."""

    algorithm_der: bytes  # the AlgorithmIdentifier, as found
    kind: str  # "pbes2" or "legacy"


def _decrypt(algorithm_der: bytes, data: bytes, password: str | None, source: str) -> bytes | None:
    """Decrypt an encryptedData payload; ``None`` when the algorithm is not supported here."""
    alg = asn1.read_tlv(algorithm_der)
    parts = list(asn1.children(algorithm_der, alg))
    oid = asn1.decode_oid(parts[0].value(algorithm_der))
    if oid == OID_PBES2:
        key, iv, cipher_name = _pbes2_key(algorithm_der, parts[1], password)
        cipher = _cipher(cipher_name, key, iv)
    elif oid in _LEGACY_PBE:
        from cryptography.hazmat.decrepit.ciphers.algorithms import RC2, TripleDES

        name, size = _LEGACY_PBE[oid]
        params = list(asn1.children(algorithm_der, parts[1]))
        salt = params[0].value(algorithm_der)
        rounds = _rounds(asn1.decode_int(params[1].value(algorithm_der)), "PBE")
        if name == "rc2" and size != 16:
            return None  # RC2-40: cryptography's RC2 takes 128-bit keys only
        pw = bmp_password(password)
        key = pkcs12_kdf("sha1", pw, salt, 1, rounds, size)
        iv = pkcs12_kdf("sha1", pw, salt, 2, rounds, 8)
        if name == "3des" and size == 16:
            key += key[:8]
        cipher = Cipher(TripleDES(key) if name == "3des" else RC2(key), modes.CBC(iv))
    else:
        return None
    decryptor = cipher.decryptor()
    block_bits = 128 if isinstance(cipher.algorithm, algorithms.AES) else 64
    try:
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(block_bits).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise Pkcs12Error(
            f"{source}: wrong keystore password (cannot decrypt the certificates)",
            reason="wrong-password",
        ) from None


def _pbes2_key(buf: bytes, params_tlv: asn1.Tlv, password: str | None) -> tuple[bytes, bytes, str]:
    kdf, scheme = list(asn1.children(buf, params_tlv))
    kdf_oid_tlv, kdf_params = list(asn1.children(buf, kdf))
    if asn1.decode_oid(kdf_oid_tlv.value(buf)) != OID_PBKDF2:
        raise asn1.DerError("PBES2 with a key derivation other than PBKDF2")
    kp = list(asn1.children(buf, kdf_params))
    salt = kp[0].value(buf)
    rounds = _rounds(asn1.decode_int(kp[1].value(buf)), "PBKDF2")
    prf = "sha1"
    for extra in kp[2:]:
        if extra.tag == asn1.SEQUENCE:
            prf_oid = asn1.decode_oid(next(asn1.children(buf, extra)).value(buf))
            prf = _HMAC_PRF.get(prf_oid, "sha1")
    scheme_oid_tlv, iv_tlv = list(asn1.children(buf, scheme))
    scheme_oid = asn1.decode_oid(scheme_oid_tlv.value(buf))
    if scheme_oid in _AES:
        size, name = _AES[scheme_oid], "aes"
    elif scheme_oid == OID_DES_EDE3_CBC:
        size, name = 24, "3des"
    else:
        raise asn1.DerError(f"PBES2 with cipher {scheme_oid}")
    secret = (password or "").encode("utf-8")
    return _pbkdf2(prf, size, salt, rounds, secret), iv_tlv.value(buf), name


@functools.lru_cache(maxsize=1024)
def _pbkdf2(prf: str, size: int, salt: bytes, rounds: int, secret: bytes) -> bytes:
    """PBKDF2, remembered for the process: ``trust`` reads a store up to three times
    (to choose it, to show the plan, and again under the write lock), and keytool
    gives every certificate bag its own salt, so this saves two thirds of the work."""
    return PBKDF2HMAC(_hash(prf), size, salt, rounds).derive(secret)


def _cipher(name: str, key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    if name == "aes":
        return Cipher(algorithms.AES(key), modes.CBC(iv))
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

    return Cipher(TripleDES(key), modes.CBC(iv))


def _encrypt_pbes2(plain: bytes, password: str) -> bytes:
    """An encryptedData ContentInfo as JDK 17's keytool writes it:
    PBES2, PBKDF2-HMAC-SHA256, 10000 rounds, AES-256-CBC."""
    salt, iv, rounds = os.urandom(20), os.urandom(16), 10_000
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = enc.update(padder.update(plain) + padder.finalize()) + enc.finalize()
    algorithm = asn1.seq(
        asn1.oid(OID_PBES2),
        asn1.seq(
            asn1.seq(
                asn1.oid(OID_PBKDF2),
                asn1.seq(
                    asn1.octet_string(salt),
                    asn1.integer(rounds),
                    asn1.seq(asn1.oid(_PRF_OID["sha256"]), asn1.encode(asn1.NULL, b"")),
                ),
            ),
            asn1.seq(asn1.oid("2.16.840.1.101.3.4.1.42"), asn1.octet_string(iv)),
        ),
    )
    encrypted_content_info = asn1.seq(asn1.oid(OID_DATA), algorithm, asn1.encode(0x80, sealed))
    return asn1.seq(
        asn1.oid(OID_ENCRYPTED_DATA),
        asn1.explicit(0, asn1.seq(asn1.integer(0), encrypted_content_info)),
    )


# --- reading ---------------------------------------------------------------------------


class Bag(NamedTuple):
    kind: str  # "cert", "key", "other"
    der: bytes  # the whole SafeBag
    cert: bytes | None = None  # DER certificate of a cert bag
    alias: str | None = None
    local_key_id: bytes | None = None
    trusted: bool = False


class Safe(NamedTuple):
    raw: bytes  # the ContentInfo as stored
    encrypted: bool
    bags: list[Bag] | None  # None: could not be decrypted here
    algorithm_der: bytes | None = None


class Pkcs12File(NamedTuple):
    safes: list[Safe]
    mac_digest: str | None  # hash name of the MAC, None for a file without one
    mac_iterations: int
    integrity: bool | None

    def bags(self) -> list[Bag]:
        return [bag for safe in self.safes for bag in (safe.bags or [])]

    @property
    def fully_read(self) -> bool:
        return all(s.bags is not None for s in self.safes)

    @property
    def has_keys(self) -> bool:
        return any(b.kind == "key" for b in self.bags())


def _parse_bags(buf: bytes) -> list[Bag]:
    out: list[Bag] = []
    for bag in asn1.children(buf, asn1.expect(asn1.read_tlv(buf), asn1.SEQUENCE, "SafeContents")):
        parts = list(asn1.children(buf, bag))
        bag_id = asn1.decode_oid(parts[0].value(buf))
        kind, cert = "other", None
        if bag_id in (OID_KEY_BAG, OID_SHROUDED_KEY_BAG):
            kind = "key"
        elif bag_id == OID_CERT_BAG:
            cert_bag = asn1.read_tlv(buf, parts[1].value_start, parts[1].end)
            cert_parts = list(asn1.children(buf, cert_bag))
            if asn1.decode_oid(cert_parts[0].value(buf)) == OID_X509_CERT:
                octets = asn1.read_tlv(buf, cert_parts[1].value_start, cert_parts[1].end)
                kind, cert = "cert", octets.value(buf)
        alias: str | None = None
        local_key_id: bytes | None = None
        trusted = False
        if len(parts) > 2 and parts[2].tag == asn1.SET:
            for attr in asn1.children(buf, parts[2]):
                attr_parts = list(asn1.children(buf, attr))
                attr_oid = asn1.decode_oid(attr_parts[0].value(buf))
                values = list(asn1.children(buf, attr_parts[1]))
                if not values:
                    continue
                if attr_oid == OID_FRIENDLY_NAME:
                    alias = values[0].value(buf).decode("utf-16-be", "replace")
                elif attr_oid == OID_LOCAL_KEY_ID:
                    local_key_id = values[0].value(buf)
                elif attr_oid == OID_JAVA_TRUSTED:
                    trusted = True
        out.append(Bag(kind, bag.raw(buf), cert, alias, local_key_id, trusted))
    return out


def parse(data: bytes, password: str | None, source: str, *, check_mac: bool = True) -> Pkcs12File:
    """Read a PKCS#12 file down to its bags. Raises on a wrong password."""
    try:
        pfx = asn1.expect(asn1.read_tlv(data), asn1.SEQUENCE, "PFX")
        if pfx.end != len(data):
            raise asn1.DerError("trailing bytes")
        parts = list(asn1.children(data, pfx))
        auth_safe = list(asn1.children(data, parts[1]))
        if asn1.decode_oid(auth_safe[0].value(data)) != OID_DATA:
            raise asn1.DerError("public-key protected PKCS#12 is not supported")
        octets = asn1.read_tlv(data, auth_safe[1].value_start, auth_safe[1].end)
        content = octets.value(data)
        mac_digest: str | None = None
        iterations = 1
        integrity: bool | None = None
        if len(parts) > 2:
            mac_digest, iterations, integrity = _check_mac(
                data, parts[2], content, password, source, check_mac
            )
        safes: list[Safe] = []
        for info in asn1.children(content, asn1.read_tlv(content)):
            info_parts = list(asn1.children(content, info))
            kind = asn1.decode_oid(info_parts[0].value(content))
            inner = asn1.read_tlv(content, info_parts[1].value_start, info_parts[1].end)
            if kind == OID_DATA:
                safes.append(Safe(info.raw(content), False, _parse_bags(inner.value(content))))
            elif kind == OID_ENCRYPTED_DATA:
                enc_parts = list(asn1.children(content, inner))
                eci = list(asn1.children(content, enc_parts[1]))
                algorithm_der = eci[1].raw(content)
                if len(eci) < 3:
                    safes.append(Safe(info.raw(content), True, [], algorithm_der))
                    continue
                payload = eci[2]
                sealed = payload.value(content)
                if payload.tag == 0xA0:  # constructed [0]: concatenated OCTET STRING pieces
                    sealed = b"".join(p.value(content) for p in asn1.children(content, payload))
                plain = _decrypt(algorithm_der, sealed, password, source)
                bags = _parse_bags(plain) if plain is not None else None
                safes.append(Safe(info.raw(content), True, bags, algorithm_der))
            else:
                safes.append(Safe(info.raw(content), False, []))
    except (asn1.DerError, ValueError, IndexError, StopIteration) as exc:
        if isinstance(exc, StoreError):
            raise
        raise _corrupt(source, str(exc) or type(exc).__name__) from None
    return Pkcs12File(safes, mac_digest, iterations, integrity)


def _check_mac(
    data: bytes,
    mac_tlv: asn1.Tlv,
    content: bytes,
    password: str | None,
    source: str,
    check: bool,
) -> tuple[str | None, int, bool | None]:
    mac_parts = list(asn1.children(data, mac_tlv))
    digest_info = list(asn1.children(data, mac_parts[0]))
    alg_oid = asn1.decode_oid(next(asn1.children(data, digest_info[0])).value(data))
    expected = digest_info[1].value(data)
    salt = mac_parts[1].value(data)
    iterations = _rounds(
        asn1.decode_int(mac_parts[2].value(data)) if len(mac_parts) > 2 else 1, "MAC"
    )
    digest = _DIGESTS.get(alg_oid)
    if digest is None:
        raise Pkcs12Error(
            f"{source}: unsupported PKCS#12 MAC algorithm {alg_oid}", reason="unsupported"
        )
    if not check:
        return digest, iterations, None
    for candidate in _password_forms(password):
        key = pkcs12_kdf(digest, candidate, salt, 3, iterations, _hash(digest).digest_size)
        if hmac.compare_digest(hmac.new(key, content, digest).digest(), expected):
            return digest, iterations, True
    raise Pkcs12Error(
        f"{source}: the keystore password is wrong or the file was modified (its integrity check failed)",
        reason="wrong-password",
    )


def _password_forms(password: str | None) -> list[bytes]:
    # No password and the empty password are encoded differently by different tools.
    if password in (None, ""):
        return [b"", b"\x00\x00"]
    return [bmp_password(password)]


def trust_entries(p12: Pkcs12File, source: str) -> tuple[list[TrustEntry], list[str]]:
    """What Java trusts: certificates marked trusted, plus each private key's own certificate."""
    notes: list[str] = []
    key_ids = {b.local_key_id for b in p12.bags() if b.kind == "key" and b.local_key_id}
    out: list[TrustEntry] = []
    ignored = 0
    for bag in p12.bags():
        if bag.kind != "cert" or bag.cert is None:
            continue
        try:
            cert = Cert(bag.cert)
        except CertificateParseError as exc:
            raise _corrupt(source, f"bad certificate: {exc}") from None
        if bag.trusted:
            out.append(TrustEntry(cert, bag.alias, EntryKind.TRUSTED))
        elif bag.local_key_id and bag.local_key_id in key_ids:
            out.append(TrustEntry(cert, bag.alias, EntryKind.KEY))
        else:
            ignored += 1
    if ignored:
        notes.append(
            f"{ignored} certificate(s) in this PKCS#12 file lack Java's trusted-certificate "
            "attribute, so Java ignores them (typical of 'openssl pkcs12 -nokeys'); "
            "'sslpoke trust --mark-trusted' marks them trusted"
        )
    return out, notes


# --- writing ---------------------------------------------------------------------------


def cert_bag(der: bytes, alias: str) -> bytes:
    """A certBag as Java writes a trustedCertEntry: friendlyName and the trusted-usage attribute."""
    value = asn1.seq(asn1.oid(OID_X509_CERT), asn1.explicit(0, asn1.octet_string(der)))
    attributes = asn1.set_of(
        asn1.seq(
            asn1.oid(OID_FRIENDLY_NAME),
            asn1.set_of(asn1.encode(asn1.BMP_STRING, alias.encode("utf-16-be"))),
        ),
        asn1.seq(asn1.oid(OID_JAVA_TRUSTED), asn1.set_of(asn1.oid(OID_ANY_EKU))),
    )
    return asn1.seq(asn1.oid(OID_CERT_BAG), asn1.explicit(0, value), attributes)


def _data_safe(bags: list[bytes]) -> bytes:
    return asn1.seq(asn1.oid(OID_DATA), asn1.explicit(0, asn1.octet_string(asn1.seq(*bags))))


def _assemble(p12: Pkcs12File, safes: list[bytes], password: str | None) -> bytes:
    content = asn1.seq(*safes)
    auth_safe = asn1.seq(asn1.oid(OID_DATA), asn1.explicit(0, asn1.octet_string(content)))
    parts = [asn1.integer(3), auth_safe]
    if p12.mac_digest is not None:
        digest = p12.mac_digest
        salt = os.urandom(20)
        secret = bmp_password(password if password else None)
        key = pkcs12_kdf(digest, secret, salt, 3, p12.mac_iterations, _hash(digest).digest_size)
        mac = hmac.new(key, content, digest).digest()
        digest_oid = _DIGEST_OID[digest]
        parts.append(
            asn1.seq(
                asn1.seq(
                    asn1.seq(asn1.oid(digest_oid), asn1.encode(asn1.NULL, b"")),
                    asn1.octet_string(mac),
                ),
                asn1.octet_string(salt),
                asn1.integer(p12.mac_iterations),
            )
        )
    return asn1.seq(*parts)


def with_certificate(p12: Pkcs12File, alias: str, der: bytes, password: str | None) -> bytes:
    """The file plus one trusted certificate, in a safe encrypted like the others."""
    bag = cert_bag(der, alias)
    encrypt = any(s.encrypted for s in p12.safes) and password
    new_safe = _encrypt_pbes2(asn1.seq(bag), password) if encrypt else _data_safe([bag])  # type: ignore[arg-type]
    return _assemble(p12, [s.raw for s in p12.safes] + [new_safe], password)


def marked_trusted(p12: Pkcs12File, password: str | None) -> tuple[bytes, list[str]]:
    """The file with Java's trusted attribute on every certificate that lacks it (and is not
    a private key's own): what ``openssl pkcs12 -export -nokeys`` leaves out. Other bags and
    untouched safes stay byte-identical. Returns the new bytes and the aliases marked."""
    from sslpoke.stores.model import alias_for

    key_ids = {b.local_key_id for b in p12.bags() if b.kind == "key" and b.local_key_id}
    taken = {b.alias.lower() for b in p12.bags() if b.alias}
    marked: list[str] = []
    safes: list[bytes] = []
    for safe in p12.safes:
        bags = safe.bags or []
        plain = [
            b
            for b in bags
            if b.kind == "cert"
            and b.cert is not None
            and not b.trusted
            and not (b.local_key_id and b.local_key_id in key_ids)
        ]
        if not plain:
            safes.append(safe.raw)
            continue
        rewritten: list[bytes] = []
        for bag in bags:
            if bag in plain and bag.cert is not None:
                alias = bag.alias or alias_for(Cert(bag.cert))
                base, n = alias, 1
                while alias.lower() in taken and not bag.alias:
                    n += 1
                    alias = f"{base}-{n}"
                taken.add(alias.lower())
                marked.append(alias)
                rewritten.append(cert_bag(bag.cert, alias))
            else:
                rewritten.append(bag.der)
        safes.append(_resealed(safe, rewritten, password))
    return _assemble(p12, safes, password), marked


def without_alias(p12: Pkcs12File, alias: str, password: str | None) -> bytes:
    """The file minus the certificate bags named ``alias``; other safes stay byte-identical."""
    safes: list[bytes] = []
    for safe in p12.safes:
        bags = safe.bags or []
        if not any(b.kind == "cert" and b.alias == alias for b in bags):
            safes.append(safe.raw)
            continue
        kept = [b.der for b in bags if not (b.kind == "cert" and b.alias == alias)]
        if not kept:
            continue
        safes.append(_resealed(safe, kept, password))
    return _assemble(p12, safes, password)


def _resealed(safe: Safe, bags: list[bytes], password: str | None) -> bytes:
    """A rewritten safe, encrypted again if it was (with PBES2), else plain data."""
    if not safe.encrypted:
        return _data_safe(bags)
    if not password:
        raise Pkcs12Error(
            "a password is needed to rewrite an encrypted PKCS#12 safe", reason="wrong-password"
        )
    return _encrypt_pbes2(asn1.seq(*bags), password)
