"""PEM bundles, single PEM or DER certificates, and certificate directories.

A directory may be a plain folder of ``.pem``/``.crt``/``.cer`` files or an
OpenSSL hashed directory (``5ed36f99.0`` links); each certificate counts once.
"""

from __future__ import annotations

import re
from pathlib import Path

from sslpoke.errors import StoreError
from sslpoke.pki.certs import Cert, CertificateParseError, read_pem
from sslpoke.stores.model import MAX_STORE_BYTES, StoreType, TrustEntry

MAX_DIRECTORY_FILES = 20_000
_HASHED = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
_CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der", ".cert"}


def parse_certificates(
    data: bytes, source: str, notes: list[str] | None = None
) -> tuple[StoreType, list[Cert]]:
    """Certificates from PEM text (any number) or one DER certificate.

    Blocks that cannot be read are skipped; ``notes`` gets a line saying which and why.
    """
    if b"-----BEGIN" in data:
        read = read_pem(data)
        if not read.certs:
            why = f" ({read.note()})" if read.skipped else ""
            raise StoreError(f"{source}: PEM file with no certificate in it{why}", reason="empty")
        if notes is not None and read.skipped:
            notes.append(str(read.note()))
        return StoreType.PEM, read.certs
    try:
        return StoreType.DER, [Cert(data)]
    except CertificateParseError:
        raise StoreError(
            f"{source}: not a truststore sslpoke can read (not PEM, DER, JKS, JCEKS or PKCS#12)",
            reason="corrupt",
        ) from None


def read_pem_store(
    data: bytes, source: str, notes: list[str] | None = None
) -> tuple[StoreType, list[TrustEntry]]:
    kind, certs = parse_certificates(data, source, notes)
    return kind, [TrustEntry(c) for c in certs]


def _looks_like_cert_file(path: Path) -> bool:
    return path.suffix.lower() in _CERT_SUFFIXES or bool(_HASHED.match(path.name))


def read_directory(path: Path) -> tuple[list[TrustEntry], int]:
    """All certificates in a folder; returns them and the number of files skipped."""
    entries: list[TrustEntry] = []
    seen: set[bytes] = set()
    skipped = 0
    try:
        names = sorted(p.name for p in path.iterdir())
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot list directory ({exc.strerror})", reason="unreadable"
        ) from None
    for count, name in enumerate(names):
        if count >= MAX_DIRECTORY_FILES:
            break
        file = path / name
        if not _looks_like_cert_file(file) or not file.is_file():
            continue
        try:
            if file.stat().st_size > MAX_STORE_BYTES:
                skipped += 1
                continue
            data = file.read_bytes()
            _, certs = parse_certificates(data, str(file))
        except (OSError, StoreError, CertificateParseError):
            skipped += 1
            continue
        for cert in certs:
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                entries.append(TrustEntry(cert, alias=file.name))
    return entries, skipped
