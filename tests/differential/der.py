"""A DER-level certificate writer for the differential tests.

cryptography's ``CertificateBuilder`` refuses much of what servers really send
(SHA-1 and MD5 signatures, version 1 certificates, zero or negative serials,
extensions whose content does not parse, RSA-PSS with odd parameters). The
differential tests need exactly those, so this module writes the
TBSCertificate itself and signs it with any key and algorithm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from sslpoke import asn1

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_RSA_OIDS = {
    "md5": "1.2.840.113549.1.1.4",
    "sha1": "1.2.840.113549.1.1.5",
    "sha224": "1.2.840.113549.1.1.14",
    "sha256": "1.2.840.113549.1.1.11",
    "sha384": "1.2.840.113549.1.1.12",
    "sha512": "1.2.840.113549.1.1.13",
}
_ECDSA_OIDS = {
    "sha1": "1.2.840.10045.4.1",
    "sha224": "1.2.840.10045.4.3.1",
    "sha256": "1.2.840.10045.4.3.2",
    "sha384": "1.2.840.10045.4.3.3",
    "sha512": "1.2.840.10045.4.3.4",
}
_DSA_OIDS = {
    "sha1": "1.2.840.10040.4.3",
    "sha224": "2.16.840.1.101.3.4.3.1",
    "sha256": "2.16.840.1.101.3.4.3.2",
}
_HASH_OIDS = {
    "sha1": "1.3.14.3.2.26",
    "sha224": "2.16.840.1.101.3.4.2.4",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
PSS_OID = "1.2.840.113549.1.1.10"
MGF1_OID = "1.2.840.113549.1.1.8"


@dataclass(frozen=True)
class SigAlg:
    """How to sign: ``hash`` plus, for RSA, ``pss`` with its salt length and MGF hash."""

    hash: str = "sha256"
    pss: bool = False
    salt: int | None = None  # None: the hash's length
    mgf_hash: str | None = None  # None: the same as ``hash``


def _null() -> bytes:
    return asn1.encode(asn1.NULL, b"")


def _algid(oid: str, params: bytes | None = None) -> bytes:
    return asn1.seq(asn1.oid(oid), *(() if params is None else (params,)))


def _hash_algid(name: str) -> bytes:
    return _algid(_HASH_OIDS[name], _null())


def algorithm_identifier(key: Any, alg: SigAlg) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        if alg.pss:
            mgf = alg.mgf_hash or alg.hash
            salt = alg.salt if alg.salt is not None else _HASHES[alg.hash].digest_size
            fields = []  # DER leaves out the DEFAULT values (SHA-1, MGF1-SHA-1, salt 20)
            if alg.hash != "sha1":
                fields.append(asn1.explicit(0, _hash_algid(alg.hash)))
            if mgf != "sha1":
                fields.append(asn1.explicit(1, _algid(MGF1_OID, _hash_algid(mgf))))
            if salt != 20:
                fields.append(asn1.explicit(2, asn1.integer(salt)))
            params = asn1.seq(*fields)
            return _algid(PSS_OID, params)
        return _algid(_RSA_OIDS[alg.hash], _null())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return _algid(_ECDSA_OIDS[alg.hash])
    if isinstance(key, dsa.DSAPrivateKey):
        return _algid(_DSA_OIDS[alg.hash])
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return _algid("1.3.101.112")
    if isinstance(key, ed448.Ed448PrivateKey):
        return _algid("1.3.101.113")
    raise TypeError(f"cannot sign with {type(key).__name__}")


def sign(key: Any, alg: SigAlg, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        h = _HASHES[alg.hash]()
        if alg.pss:
            mgf = _HASHES[alg.mgf_hash or alg.hash]()
            salt = alg.salt if alg.salt is not None else h.digest_size
            return key.sign(data, padding.PSS(padding.MGF1(mgf), salt), h)
        return key.sign(data, padding.PKCS1v15(), h)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(_HASHES[alg.hash]()))
    if isinstance(key, dsa.DSAPrivateKey):
        return key.sign(data, _HASHES[alg.hash]())
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return key.sign(data)
    raise TypeError(f"cannot sign with {type(key).__name__}")


def _time(when: datetime) -> bytes:
    if 1950 <= when.year < 2050:
        return asn1.encode(0x17, when.strftime("%y%m%d%H%M%SZ").encode())
    return asn1.encode(0x18, when.strftime("%Y%m%d%H%M%SZ").encode())


def extension(oid: str, critical: bool, value: bytes) -> bytes:
    parts = [asn1.oid(oid)]
    if critical:
        parts.append(asn1.encode(asn1.BOOLEAN, b"\xff"))
    parts.append(asn1.octet_string(value))
    return asn1.seq(*parts)


def spki(public_key: Any) -> bytes:
    return bytes(
        public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def certificate(
    *,
    version: int,
    serial: int,
    issuer: bytes,
    subject: bytes,
    not_before: datetime,
    not_after: datetime,
    public_key: Any,
    extensions: list[bytes],
    signing_key: Any,
    alg: SigAlg,
    corrupt: bool = False,
) -> bytes:
    """DER of one certificate; ``issuer``/``subject`` are DER Names."""
    algid = algorithm_identifier(signing_key, alg)
    parts: list[bytes] = []
    if version > 1:
        parts.append(asn1.explicit(0, asn1.integer(version - 1)))
    parts += [
        asn1.integer(serial),
        algid,
        issuer,
        asn1.seq(_time(not_before), _time(not_after)),
        subject,
        spki(public_key),
    ]
    if extensions and version == 3:
        parts.append(asn1.explicit(3, asn1.seq(*extensions)))
    tbs = asn1.seq(*parts)
    signature = bytearray(sign(signing_key, alg, tbs))
    if corrupt:
        signature[len(signature) // 2] ^= 0x01
    return asn1.seq(tbs, algid, asn1.encode(asn1.BIT_STRING, b"\x00" + bytes(signature)))
