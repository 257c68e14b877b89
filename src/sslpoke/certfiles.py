"""Reading certificates the user hands over: PEM, DER, PKCS#7, or a keystore entry."""

from __future__ import annotations

import warnings
from pathlib import Path

from sslpoke.errors import CertificateFileError, StoreError
from sslpoke.pki.certs import Cert, CertificateParseError, load_pem_or_der, read_pem
from sslpoke.stores import jks, pkcs12
from sslpoke.stores.load import detect_type, read_file
from sslpoke.stores.model import StoreType


def _pkcs7(data: bytes, path: Path) -> list[Cert] | None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import pkcs7

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for loader in (pkcs7.load_pem_pkcs7_certificates, pkcs7.load_der_pkcs7_certificates):
            try:
                return [Cert.from_x509(c) for c in loader(data)]
            except UnsupportedAlgorithm:
                raise CertificateFileError(
                    f"{path}: a PKCS#7 file that is not signedData, so it holds no certificates"
                ) from None
            except (ValueError, CertificateParseError):
                continue
    return None


def load_certificates(
    path: str | Path, *, alias: str | None = None, password: str | None = None
) -> list[Cert]:
    """The certificates in a file, in file order. A keystore needs ``alias``."""
    path = Path(path)
    try:
        data = read_file(path, what="certificate file")
    except StoreError as exc:
        raise CertificateFileError(str(exc)) from None
    kind = detect_type(data)
    if kind in (StoreType.JKS, StoreType.JCEKS, StoreType.PKCS12):
        return _from_keystore(data, kind, path, alias, password)
    if b"-----BEGIN PKCS7-----" in data or b"-----BEGIN CMS-----" in data:
        certs = _pkcs7(data, path)
        if certs:
            return certs
    if b"-----BEGIN" in data:
        read = read_pem(data)
        if read.skipped and read.certs:
            # Refused rather than read in part: trust --cert would import a partial set,
            # verify would judge a chain that lacks a certificate the user meant to give.
            raise CertificateFileError(
                f"{path}: {len(read.skipped)} of {read.blocks} certificate blocks cannot be read "
                f"({'; '.join(read.skipped[:5])}); fix or remove them"
            )
    try:
        certs = load_pem_or_der(data)
    except CertificateParseError as exc:
        certs = _pkcs7(data, path) or []
        if not certs and data[:1] == b"\x30":  # DER that is no certificate sslpoke can read
            raise CertificateFileError(f"{path}: {exc}") from None
    if not certs:
        what = (
            "PEM file with no certificate in it"
            if b"-----BEGIN" in data
            else "not a certificate (PEM, DER or PKCS#7)"
        )
        raise CertificateFileError(f"{path}: {what}")
    return certs


def _from_keystore(
    data: bytes, kind: StoreType, path: Path, alias: str | None, password: str | None
) -> list[Cert]:
    if alias is None:
        raise CertificateFileError(f"{path}: is a keystore; say which entry with --alias")
    chains: dict[str, list[bytes]] = {}
    if kind is StoreType.PKCS12:
        parsed = pkcs12.parse(data, password if password is not None else "changeit", str(path))
        bags = [b for b in parsed.bags() if b.kind == "cert" and b.cert is not None]
        for bag in bags:
            if bag.alias and bag.cert is not None:
                chains.setdefault(bag.alias.lower(), []).append(bag.cert)
        # A key entry's chain: its CA certificates are bags of their own, without an
        # alias; Java rebuilds the chain by issuer name, and so does sslpoke.
        keyed = {b.local_key_id for b in parsed.bags() if b.kind == "key" and b.local_key_id}
        pool = [b.cert for b in bags if not b.alias and b.cert is not None]
        for bag in bags:
            if bag.alias and bag.local_key_id in keyed and bag.cert is not None:
                chains[bag.alias.lower()] = _issuer_chain(bag.cert, pool)
    else:
        store = jks.parse(data, password, str(path))
        for entry in store.entries:
            chains[entry.alias.lower()] = list(entry.certs)
    found = chains.get(alias.lower())
    if not found:
        known = ", ".join(sorted(chains)[:10]) or "none"
        raise CertificateFileError(f"{path}: no entry with alias {alias!r} (aliases: {known})")
    try:
        return [Cert(der) for der in found]
    except CertificateParseError as exc:
        raise CertificateFileError(
            f"{path}: the certificate of entry {alias!r} is corrupt ({exc})"
        ) from None


def _issuer_chain(leaf: bytes, pool: list[bytes]) -> list[bytes]:
    """``leaf`` and its issuers from ``pool``, matched by name (bounded by the pool's size)."""
    try:
        chain = [Cert(leaf)]
        candidates = [Cert(der) for der in pool]
    except CertificateParseError:
        return [leaf]
    while len(chain) <= len(candidates) and not chain[-1].self_issued:
        nxt = next(
            (c for c in candidates if c.subject_key == chain[-1].issuer_key and c not in chain),
            None,
        )
        if nxt is None:
            break
        chain.append(nxt)
    return [c.der for c in chain]
