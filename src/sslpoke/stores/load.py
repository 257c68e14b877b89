"""Open any truststore: the format is detected from the bytes, not the file name."""

from __future__ import annotations

import errno
import warnings
from pathlib import Path

from sslpoke.errors import StoreError
from sslpoke.stores.model import (
    DEFAULT_PASSWORD,
    JCEKS_MAGIC,
    JKS_MAGIC,
    MAX_STORE_BYTES,
    StoreType,
    TrustEntry,
    TrustStore,
)
from sslpoke.stores.system import mozilla_bundle, system_bundle


def is_directory(path: Path) -> bool:
    """Path.is_dir, except that a folder on the way we may not enter is "not a directory":
    read_file then says exactly what is wrong (Path.is_dir raises PermissionError)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def read_file(path: Path, what: str = "truststore") -> bytes:
    """Read a user-named file with a size bound and one clear error per failure."""
    try:
        size = path.stat().st_size
        if size > MAX_STORE_BYTES:
            raise StoreError(f"{path}: too large for a {what} ({size} bytes)", reason="corrupt")
        with path.open("rb") as fh:
            data = fh.read(MAX_STORE_BYTES + 1)
        if not data:
            raise StoreError(f"{path}: the file is empty (0 bytes)", reason="empty")
        return data
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file", reason="not-found") from None
    except PermissionError:
        raise StoreError(f"{path}: permission denied", reason="unreadable") from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a directory", reason="unreadable") from None
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise StoreError(f"{path}: no such file", reason="not-found") from None
        raise StoreError(f"{path}: cannot read ({exc.strerror})", reason="unreadable") from None


def detect_type(data: bytes) -> StoreType:
    """By content: JKS/JCEKS magic, PEM armour, a PFX (SEQUENCE starting with INTEGER 3), else DER."""
    magic = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if magic == JKS_MAGIC:
        return StoreType.JKS
    if magic == JCEKS_MAGIC:
        return StoreType.JCEKS
    if b"-----BEGIN" in data[:65536]:
        return StoreType.PEM
    if _looks_like_pfx(data):
        return StoreType.PKCS12
    return StoreType.DER


def _looks_like_pfx(data: bytes) -> bool:
    from sslpoke import asn1

    try:
        pfx = asn1.read_tlv(data)
        version = asn1.read_tlv(data, pfx.value_start, pfx.end)
    except asn1.DerError:
        return False
    return version.tag == asn1.INTEGER and version.value(data) == b"\x03"


def _normalize_type(storetype: str | None) -> StoreType | None:
    if storetype is None:
        return None
    value = storetype.strip().lower()
    if value in ("p12", "pfx"):
        value = "pkcs12"
    try:
        return StoreType(value)
    except ValueError:
        raise StoreError(
            f"unknown store type {storetype!r}: use jks, jceks, pkcs12, pem, der or directory",
            reason="unsupported",
        ) from None


def load_truststore(
    path: str | Path,
    *,
    storetype: str | None = None,
    password: str | None = None,
    origin: str = "--truststore",
    allow_empty: bool = False,
) -> TrustStore:
    """Read a truststore of any supported format.

    A store with no trusted certificate raises StoreError("empty"), unless
    ``allow_empty``: for a probe that is a finding (Java fails the handshake), not bad input.

    ``password=None`` means "none given": JKS stores are then checked against
    Java's default ``changeit`` and read without an integrity check if that is
    not it (as Java does); PKCS#12 stores are tried with ``changeit`` and empty.
    """
    path = Path(path)
    wanted = _normalize_type(storetype)
    notes: list[str] = []
    from sslpoke.stores import pem

    if is_directory(path):
        entries, skipped = pem.read_directory(path)
        if skipped:
            notes.append(f"{skipped} file(s) in the directory were not certificates")
        return _finish(TrustStore(StoreType.DIRECTORY, tuple(entries), path, origin, tuple(notes)))

    data = read_file(path)
    kind = detect_type(data)
    if wanted is not None and wanted != kind and {wanted, kind} != {StoreType.PEM, StoreType.DER}:
        notes.append(
            f"the file is {kind.value.upper()}, not {wanted.value.upper()} as given; read as {kind.value.upper()}"
        )
    source = str(path)
    checked = False
    if kind in (StoreType.JKS, StoreType.JCEKS):
        entries_list, checked, extra = _load_jks(data, password, source)
        notes += extra
    elif kind is StoreType.PKCS12:
        entries_list, checked, extra = _load_pkcs12(data, password, source)
        notes += extra
    else:
        kind, entries_list = pem.read_pem_store(data, source, notes)
    store = TrustStore(kind, tuple(entries_list), path, origin, tuple(notes), checked)
    return store if allow_empty else _finish(store)


def _finish(store: TrustStore) -> TrustStore:
    if not store.entries:
        why = f": {store.notes[0]}" if store.notes else ""
        raise StoreError(
            f"{store.location}: the truststore holds no trusted certificates{why}", reason="empty"
        )
    return store


def _load_jks(
    data: bytes, password: str | None, source: str
) -> tuple[list[TrustEntry], bool, list[str]]:
    from sslpoke.stores import jks

    notes: list[str] = []
    if password is not None:
        parsed = jks.parse(data, password, source)
    else:
        try:
            parsed = jks.parse(data, DEFAULT_PASSWORD, source)
        except StoreError as exc:
            if exc.reason != "wrong-password":
                raise
            parsed = jks.parse(data, None, source)
            notes.append(
                "integrity not verified: the password is not 'changeit', or the file was "
                "modified (give --storepass to check it; Java reads such a store unverified "
                "when javax.net.ssl.trustStorePassword is not set)"
            )
    return jks.trust_entries(parsed, source), parsed.integrity is True, notes


def _load_pkcs12(
    data: bytes, password: str | None, source: str
) -> tuple[list[TrustEntry], bool, list[str]]:
    from sslpoke.stores import pkcs12

    tries = [password] if password is not None else [DEFAULT_PASSWORD, None]
    error: StoreError | None = None
    for attempt in tries:
        try:
            parsed = pkcs12.parse(data, attempt, source)
        except StoreError as exc:
            if exc.reason != "wrong-password":
                raise
            error = exc
            continue
        entries, notes = pkcs12.trust_entries(parsed, source)
        if not parsed.fully_read:
            entries, notes = _pkcs12_fallback(data, attempt, source)
        return entries, parsed.integrity is True, notes
    assert error is not None
    if password is None:
        raise StoreError(
            f"{source}: the PKCS#12 password is not 'changeit' or empty; give it with --storepass",
            reason="wrong-password",
        )
    raise error


def _pkcs12_fallback(
    data: bytes, password: str | None, source: str
) -> tuple[list[TrustEntry], list[str]]:
    """Legacy RC2-40 encryption: let cryptography decrypt, and assume every certificate is trusted."""
    from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

    from sslpoke.pki.certs import Cert

    secret = password.encode("utf-8") if password else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loaded = crypto_pkcs12.load_pkcs12(data, secret)
        except ValueError:
            raise StoreError(
                f"{source}: wrong keystore password", reason="wrong-password"
            ) from None
    entries = [
        TrustEntry(
            Cert.from_x509(c.certificate),
            c.friendly_name.decode("utf-8", "replace") if c.friendly_name else None,
        )
        for c in loaded.additional_certs
    ]
    if loaded.cert is not None:
        entries.append(TrustEntry(Cert.from_x509(loaded.cert.certificate), None))
    note = (
        "this PKCS#12 file uses legacy RC2-40 encryption; sslpoke cannot see which "
        "certificates Java marks as trusted and assumes all are"
    )
    return entries, [note]


def load_system() -> TrustStore:
    return load_truststore(system_bundle(), origin="system CA bundle")


def load_mozilla() -> TrustStore:
    return load_truststore(mozilla_bundle(), origin="Mozilla roots (certifi)")
