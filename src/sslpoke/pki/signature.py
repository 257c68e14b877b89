"""Checking that one certificate signed another, including legacy algorithms.

cryptography's ``verify_directly_issued_by`` refuses SHA-1, but Java still accepts
SHA-1 under private roots, so sslpoke verifies with the issuer's public key
directly and leaves the algorithm judgement to the profile.
"""

from __future__ import annotations

from enum import Enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from sslpoke.pki.certs import Cert


class Sig(Enum):
    OK = "ok"
    BAD = "bad"  # the signature does not verify with this issuer's key
    UNSUPPORTED = "unsupported"  # algorithm cannot be checked (MD2, unknown, key unreadable)


def check_signature(child: Cert, issuer: Cert) -> Sig:
    """Did ``issuer``'s key produce ``child``'s signature?"""
    if child.raw.inner_signature_algorithm != child.raw.outer_signature_algorithm:
        return Sig.BAD
    key = issuer.public_key
    if key is None:
        return Sig.UNSUPPORTED
    cert = child.x
    try:
        signature = cert.signature
        tbs = cert.tbs_certificate_bytes
        if isinstance(key, rsa.RSAPublicKey):
            params = cert.signature_algorithm_parameters
            algo = cert.signature_hash_algorithm
            if params is None:  # cryptography names no padding for legacy (MD5) RSA signatures
                params = padding.PKCS1v15()
            if not isinstance(params, padding.PSS | padding.PKCS1v15) or algo is None:
                return Sig.BAD
            key.verify(signature, tbs, params, algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            params = cert.signature_algorithm_parameters
            if params is None and cert.signature_hash_algorithm is not None:
                # cryptography names no parameters for ecdsa-with-SHA1; the hash is enough.
                params = ec.ECDSA(cert.signature_hash_algorithm)
            if not isinstance(params, ec.ECDSA):
                return Sig.BAD
            key.verify(signature, tbs, params)
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, tbs)
        elif isinstance(key, dsa.DSAPublicKey):
            algo = cert.signature_hash_algorithm
            if algo is None:
                return Sig.BAD
            key.verify(signature, tbs, algo)
        else:
            return Sig.UNSUPPORTED
    except InvalidSignature:
        return Sig.BAD
    except (ValueError, TypeError):
        return Sig.BAD  # e.g. an ECDSA signature over an RSA key, or garbage parameters
    except Exception:  # UnsupportedAlgorithm: MD2, MD4, exotic hashes
        return Sig.UNSUPPORTED
    return Sig.OK
