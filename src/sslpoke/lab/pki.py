"""A certificate factory for the demo and the tests: every scenario's PKI, made fresh.

Unlike trustme, leaves get a *non-critical* subjectAltName (a critical SAN with a
non-empty subject is refused by strict verifiers), and the factory can make what
real life contains and cryptography refuses to make: SHA-1 and MD5 signatures
and RSA keys under 1024 bits.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sslpoke import asn1
from sslpoke.pki.certs import Cert

PrivateKey = Any

_WEAK_HASHES = {
    "sha1": ("1.2.840.113549.1.1.5", hashes.SHA1),
    "md5": ("1.2.840.113549.1.1.4", hashes.MD5),
}
_SHA256_RSA = "1.2.840.113549.1.1.11"


def _probable_prime(bits: int) -> int:
    while True:
        n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if all(n % p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and _miller_rabin(n):
            return n


def _miller_rabin(n: int, rounds: int = 24) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def small_rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA key below cryptography's 1024-bit floor, to reproduce weak-key servers."""
    e = 65537
    while True:
        p, q = _probable_prime(bits // 2), _probable_prime(bits - bits // 2)
        n, phi = p * q, (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and phi % e:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def make_key(kind: str = "ec") -> PrivateKey:
    """``ec`` (P-256), ``ec384``, ``ec192``, ``rsa`` (2048), or ``rsaN`` for N bits."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ec192":
        return ec.generate_private_key(ec.SECP192R1())
    if kind.startswith("rsa"):
        bits = int(kind[3:] or 2048)
        return rsa.generate_private_key(65537, bits) if bits >= 1024 else small_rsa_key(bits)
    raise ValueError(f"unknown key kind {kind!r}")


@dataclass
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: PrivateKey
    der: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.der = self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    @property
    def c(self) -> Cert:
        return Cert(self.der, self.cert)

    @property
    def name(self) -> str:
        return self.c.display_name


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(value))
    except ValueError:
        return x509.DNSName(value)


CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
SERVER_USAGE = x509.KeyUsage(True, False, True, False, False, False, False, False, False)


def issue(
    cn: str,
    issuer: Issued | None = None,
    *,
    org: str | None = None,
    key: PrivateKey | str = "ec",
    ca: bool = False,
    path_length: int | None = None,
    sans: Sequence[str] = (),
    san_critical: bool = False,
    key_usage: x509.KeyUsage | bool | None = True,
    eku: Sequence[x509.ObjectIdentifier] | bool | None = True,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    days: int = 365,
    hash_name: str = "sha256",
    name_constraints: x509.NameConstraints | None = None,
    aia_url: str | None = None,
    basic_constraints: bool = True,
    subject: x509.Name | None = None,
    extensions: Sequence[x509.ExtensionType] = (),
) -> Issued:
    """Make one certificate. ``issuer=None`` makes it self-signed.

    ``key_usage``/``eku`` ``True`` means "the usual for this kind", ``None``
    leaves the extension out, anything else is used as given. ``extensions`` are
    added as they are, not critical (revocation pointers, SCTs, TLS features).
    """
    private = make_key(key) if isinstance(key, str) else key
    now = datetime.now(UTC)
    start = not_before or now - timedelta(days=1)
    end = not_after or start + timedelta(days=days)
    subject_name = subject or _name(cn, org)
    issuer_name = issuer.cert.subject if issuer else subject_name
    signing_key = issuer.key if issuer else private
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer_name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    if basic_constraints:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length), critical=True
        )
    if key_usage is True:
        key_usage = CA_USAGE if ca else SERVER_USAGE
    if isinstance(key_usage, x509.KeyUsage):
        builder = builder.add_extension(key_usage, critical=True)
    if eku is True:
        eku = None if ca else [ExtendedKeyUsageOID.SERVER_AUTH]
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(s) for s in sans]), critical=san_critical
        )
    if name_constraints is not None:
        builder = builder.add_extension(name_constraints, critical=True)
    if aia_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(aia_url),
                    )
                ]
            ),
            critical=False,
        )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    if hash_name in _WEAK_HASHES:
        if not isinstance(signing_key, rsa.RSAPrivateKey):
            raise ValueError("weak-hash signatures are made with RSA issuers only")
        cert = builder.sign(signing_key, hashes.SHA256())
        return Issued(_resign(cert, signing_key, hash_name), private)
    algorithms: dict[str, hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
        "sha224": hashes.SHA224(),
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    return Issued(builder.sign(signing_key, algorithms[hash_name]), private)


def _resign(cert: x509.Certificate, key: rsa.RSAPrivateKey, hash_name: str) -> x509.Certificate:
    """Re-sign a SHA-256/RSA certificate with SHA-1 or MD5 (cryptography refuses to).

    The signature algorithm OIDs have the same length, so the TBS bytes keep their
    layout; only the OID and the signature change.
    """
    oid, hash_cls = _WEAK_HASHES[hash_name]
    old, new = asn1.oid(_SHA256_RSA), asn1.oid(oid)
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(old) == 1 and len(old) == len(new)
    tbs = tbs.replace(old, new)
    signature = key.sign(tbs, padding.PKCS1v15(), hash_cls())
    algorithm = asn1.seq(new, asn1.encode(asn1.NULL, b""))
    der = asn1.seq(tbs, algorithm, asn1.encode(asn1.BIT_STRING, b"\x00" + signature))
    return x509.load_der_x509_certificate(der)


def corrupt_signature(issued: Issued) -> Issued:
    """The same certificate with one bit of its signature flipped."""
    der = bytearray(issued.der)
    der[-5] ^= 0x01
    return Issued(x509.load_der_x509_certificate(bytes(der)), issued.key)
