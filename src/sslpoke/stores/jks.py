"""Java KeyStore (JKS) and JCEKS: read, and write back without loss.

The format is small (see ``sun.security.provider.JavaKeyStore``)::

    magic (FEEDFEED or CECECECE) | version (2) | count
    entries: tag 1 = private key, 2 = trusted certificate, 3 = secret key (JCEKS)
             alias (modified UTF-8) | creation time (ms)
             key: encrypted key blob + certificate chain | cert: type + DER
    SHA-1( password as UTF-16BE | "Mighty Aphrodite" | everything above )

sslpoke keeps each entry's original bytes, so writing a store back after adding
or removing a certificate leaves every other entry byte-identical, private keys
included (their own passwords are never needed). Aliases are written in lower
case because Java lower-cases JKS aliases and cannot find mixed-case ones.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import NamedTuple

from sslpoke.errors import StoreError
from sslpoke.pki.certs import Cert, CertificateParseError
from sslpoke.stores.model import JCEKS_MAGIC, JKS_MAGIC, EntryKind, StoreType, TrustEntry

WHITENER = b"Mighty Aphrodite"
TAG_KEY, TAG_CERT, TAG_SECRET = 1, 2, 3
MAX_ENTRIES = 100_000


class JksEntry(NamedTuple):
    tag: int
    alias: str
    timestamp_ms: int
    record: bytes  # the entry exactly as stored, from its tag to its end
    certs: tuple[bytes, ...]  # DER: the trusted certificate, or a key's chain


class JksFile(NamedTuple):
    magic: int
    version: int
    entries: tuple[JksEntry, ...]
    integrity: bool | None  # True: password verified; None: not checked

    @property
    def store_type(self) -> StoreType:
        return StoreType.JCEKS if self.magic == JCEKS_MAGIC else StoreType.JKS


class _Reader:
    def __init__(self, data: bytes, source: str) -> None:
        self.data, self.pos, self.source = data, 0, source

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise StoreError(f"{self.source}: truncated or corrupt keystore", reason="corrupt")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">q", self.take(8))[0])

    def utf(self) -> str:
        raw = self.take(self.u16())
        return raw.decode("utf-8", "replace")

    def der(self) -> bytes:
        return self.take(self.u32())


def password_digest(password: str, body: bytes) -> bytes:
    return hashlib.sha1(password.encode("utf-16-be") + WHITENER + body).digest()


def is_jks(data: bytes) -> bool:
    return len(data) >= 4 and struct.unpack(">I", data[:4])[0] in (JKS_MAGIC, JCEKS_MAGIC)


def parse(data: bytes, password: str | None, source: str) -> JksFile:
    """Read a JKS or JCEKS file. With a password, check the integrity digest."""
    r = _Reader(data, source)
    magic, version, count = r.u32(), r.u32(), r.u32()
    if magic not in (JKS_MAGIC, JCEKS_MAGIC):
        raise StoreError(f"{source}: not a JKS or JCEKS keystore", reason="corrupt")
    if version not in (1, 2):
        raise StoreError(f"{source}: unsupported keystore version {version}", reason="unsupported")
    if count > MAX_ENTRIES:
        raise StoreError(f"{source}: implausible entry count {count}", reason="corrupt")
    entries: list[JksEntry] = []
    for _ in range(count):
        start = r.pos
        tag = r.u32()
        alias = r.utf()
        stamp = r.u64()
        certs: list[bytes] = []
        if tag == TAG_CERT:
            if version == 2:
                r.utf()  # certificate type, "X.509"
            certs.append(r.der())
        elif tag == TAG_KEY:
            r.der()  # the protected key, left encrypted
            for _ in range(r.u32()):
                if version == 2:
                    r.utf()
                certs.append(r.der())
        elif tag == TAG_SECRET:
            raise StoreError(
                f"{source}: JCEKS secret-key entries cannot be read; convert the store with "
                "'keytool -importkeystore -deststoretype pkcs12' first",
                reason="unsupported",
            )
        else:
            raise StoreError(f"{source}: unknown entry type {tag}", reason="corrupt")
        entries.append(JksEntry(tag, alias, stamp, data[start : r.pos], tuple(certs)))
    body_end = r.pos
    digest = r.take(20)
    if r.pos != len(data):
        raise StoreError(f"{source}: trailing bytes after the keystore", reason="corrupt")
    integrity: bool | None = None
    if password is not None:
        if not hmac.compare_digest(password_digest(password, data[:body_end]), digest):
            raise StoreError(
                f"{source}: the keystore password is wrong or the file was modified "
                "(its integrity check failed, as keytool says: Keystore was tampered with, "
                "or password was incorrect)",
                reason="wrong-password",
            )
        integrity = True
    return JksFile(magic, version, tuple(entries), integrity)


def trust_entries(store: JksFile, source: str) -> list[TrustEntry]:
    """What Java trusts in a keystore: every trusted certificate, and the first
    certificate of each private-key entry (``sun.security.validator.TrustStoreUtil``)."""
    out: list[TrustEntry] = []
    for entry in store.entries:
        if not entry.certs:
            continue
        try:
            cert = Cert(entry.certs[0])
        except CertificateParseError as exc:
            raise StoreError(
                f"{source}: entry {entry.alias!r} is not a certificate ({exc})", reason="corrupt"
            ) from None
        kind = EntryKind.TRUSTED if entry.tag == TAG_CERT else EntryKind.KEY
        out.append(TrustEntry(cert, entry.alias, kind))
    return out


# --- writing -------------------------------------------------------------------


def cert_record(alias: str, der: bytes, timestamp_ms: int) -> bytes:
    """A trustedCertEntry exactly as Java writes it (alias lower-cased)."""
    name = alias.lower().encode("utf-8")
    return (
        struct.pack(">I", TAG_CERT)
        + struct.pack(">H", len(name))
        + name
        + struct.pack(">q", timestamp_ms)
        + struct.pack(">H", 5)
        + b"X.509"
        + struct.pack(">I", len(der))
        + der
    )


def serialize(magic: int, records: list[bytes], password: str) -> bytes:
    """Assemble a keystore from entry records and seal it with the password digest."""
    body = struct.pack(">III", magic, 2, len(records)) + b"".join(records)
    return body + password_digest(password, body)


def with_certificate(
    store: JksFile, alias: str, der: bytes, password: str, timestamp_ms: int
) -> bytes:
    records = [e.record for e in store.entries]
    if store.version != 2:
        raise StoreError("only version 2 keystores can be written", reason="unsupported")
    records.append(cert_record(alias, der, timestamp_ms))
    return serialize(store.magic, records, password)


def without_alias(store: JksFile, alias: str, password: str) -> bytes:
    records = [e.record for e in store.entries if e.alias != alias]
    return serialize(store.magic, records, password)
