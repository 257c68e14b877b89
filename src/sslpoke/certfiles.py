"""Reading certificates the user hands over: PEM, DER, PKCS#7, or a keystore entry."""

from __future__ import annotations

import warnings
from pathlib import Path

from sslpoke.errors import CertificateFileError, StoreError
from sslpoke.pki.certs import Cert, CertificateParseError, load_pem_or_der
from sslpoke.stores import jks, pkcs12
from sslpoke.stores.load import detect_type, read_file
from sslpoke.stores.model import StoreType


def _pkcs7(data: bytes) -> list[Cert] | None:
    from cryptography.hazmat.primitives.serialization import pkcs7

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for loader in (pkcs7.load_pem_pkcs7_certificates, pkcs7.load_der_pkcs7_certificates):
            try:
                return [Cert.from_x509(c) for c in loader(data)]
            except ValueError:
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
        certs = _pkcs7(data)
        if certs:
            return certs
    try:
        certs = load_pem_or_der(data)
    except CertificateParseError:
        certs = _pkcs7(data) or []
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
        for bag in parsed.bags():
            if bag.kind == "cert" and bag.cert is not None and bag.alias:
                chains.setdefault(bag.alias.lower(), []).append(bag.cert)
    else:
        store = jks.parse(data, password, str(path))
        for entry in store.entries:
            chains[entry.alias.lower()] = list(entry.certs)
    found = chains.get(alias.lower())
    if not found:
        known = ", ".join(sorted(chains)[:10]) or "none"
        raise CertificateFileError(f"{path}: no entry with alias {alias!r} (aliases: {known})")
    return [Cert(der) for der in found]
