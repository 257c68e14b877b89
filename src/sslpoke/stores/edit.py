"""Adding and removing trusted certificates, format by format, keeping everything else.

Each function returns the new file content; :mod:`sslpoke.stores.safe_write` puts it
in place. JKS and PKCS#12 keep every other entry's bytes (private keys included)
and their password; PEM bundles keep every other line.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import StoreError, WriteError
from sslpoke.pki.certs import Cert, pem_blocks
from sslpoke.stores.load import detect_type, is_directory, read_file
from sslpoke.stores.model import DEFAULT_PASSWORD, StoreType, alias_for


class Editable(NamedTuple):
    path: Path  # as named by the user
    type: StoreType
    data: bytes
    password: str | None
    aliases: frozenset[str]
    fingerprints: frozenset[bytes]

    def __repr__(self) -> str:  # never show the password
        return f"Editable(path={str(self.path)!r}, type={self.type.value}, entries={len(self.fingerprints)})"


def open_for_edit(path: str | Path, password: str | None) -> Editable:
    """Read a store to change it. Keystores need their real password to be rewritten."""
    from sslpoke.stores.load import load_truststore

    path = Path(path)
    if is_directory(path):
        store = load_truststore(path)
        names = {p.name for p in path.iterdir()}
        return Editable(
            path,
            StoreType.DIRECTORY,
            b"",
            None,
            frozenset(names),
            frozenset(e.cert.sha256 for e in store.entries),
        )
    data = read_file(path)
    kind = detect_type(data)
    if kind is StoreType.DER:
        raise WriteError(
            f"{path}: a single DER certificate cannot hold more certificates; use a PEM bundle or a keystore"
        )
    tried = [password] if password is not None else [DEFAULT_PASSWORD]
    if kind in (StoreType.JKS, StoreType.JCEKS):
        from sslpoke.stores import jks

        try:
            parsed = jks.parse(data, tried[0], str(path))
        except StoreError as exc:
            if exc.reason == "wrong-password":
                raise _wrong_password(path) from None
            raise
        entries = jks.trust_entries(parsed, str(path))
        aliases = {e.alias for e in parsed.entries}
        return Editable(
            path,
            kind,
            data,
            tried[0],
            frozenset(aliases),
            frozenset(e.cert.sha256 for e in entries),
        )
    if kind is StoreType.PKCS12:
        from sslpoke.stores import pkcs12

        last: StoreError | None = None
        for attempt in (*tried, None) if password is None else tried:
            try:
                p12 = pkcs12.parse(data, attempt, str(path))
            except StoreError as exc:
                if exc.reason != "wrong-password":
                    raise
                last = exc
                continue
            if not p12.fully_read:
                raise WriteError(
                    f"{path}: this PKCS#12 file uses legacy RC2-40 encryption, which sslpoke cannot rewrite; use keytool"
                )
            entries, _ = pkcs12.trust_entries(p12, str(path))
            aliases = {b.alias for b in p12.bags() if b.alias}
            return Editable(
                path,
                kind,
                data,
                attempt,
                frozenset(aliases),
                frozenset(e.cert.sha256 for e in entries),
            )
        raise _wrong_password(path) from last
    certs = [Cert(der) for der in pem_blocks(data)]
    return Editable(
        path,
        StoreType.PEM,
        data,
        None,
        frozenset(alias_for(c) for c in certs),
        frozenset(c.sha256 for c in certs),
    )


def _wrong_password(path: Path) -> WriteError:
    return WriteError(
        f"{path}: wrong keystore password: sslpoke will not write a store it cannot seal again (give --storepass)"
    )


def unique_alias(store: Editable, base: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", base.lower()).strip("-") or "sslpoke"
    alias, n = base, 1
    taken = {a.lower() for a in store.aliases}
    while alias in taken or (store.type is StoreType.DIRECTORY and f"{alias}.pem" in taken):
        n += 1
        alias = f"{base}-{n}"
    return alias


def with_certificate(store: Editable, cert: Cert, alias: str) -> bytes:
    if store.type in (StoreType.JKS, StoreType.JCEKS):
        from sslpoke.stores import jks

        assert store.password is not None
        parsed = jks.parse(store.data, store.password, str(store.path))
        return jks.with_certificate(
            parsed, alias, cert.der, store.password, int(time.time() * 1000)
        )
    if store.type is StoreType.PKCS12:
        from sslpoke.stores import pkcs12

        p12 = pkcs12.parse(store.data, store.password, str(store.path))
        return pkcs12.with_certificate(p12, alias, cert.der, store.password)
    if store.type is StoreType.PEM:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        sep = b"" if not store.data or store.data.endswith(b"\n") else b"\n"
        header = f"# {cert.subject_text} (SHA-256 {cert.fingerprint}), added by sslpoke {stamp}\n"
        return store.data + sep + header.encode("utf-8", "replace") + cert.pem.encode("ascii")
    return cert.pem.encode("ascii")  # a directory: the content of the new file


def marked_trusted(store: Editable) -> tuple[bytes, list[str]]:
    """A PKCS#12 store with Java's trusted attribute on the certificates that lack it."""
    if store.type is not StoreType.PKCS12:
        raise WriteError(
            f"{store.path}: --mark-trusted is for PKCS#12 files (a {store.type.value.upper()} "
            "store has no trusted attribute to set)"
        )
    from sslpoke.stores import pkcs12

    p12 = pkcs12.parse(store.data, store.password, str(store.path))
    return pkcs12.marked_trusted(p12, store.password)


def without_alias(store: Editable, alias: str) -> bytes:
    if store.type in (StoreType.JKS, StoreType.JCEKS):
        from sslpoke.stores import jks

        assert store.password is not None
        parsed = jks.parse(store.data, store.password, str(store.path))
        return jks.without_alias(parsed, alias.lower(), store.password)
    if store.type is StoreType.PKCS12:
        from sslpoke.stores import pkcs12

        p12 = pkcs12.parse(store.data, store.password, str(store.path))
        return pkcs12.without_alias(p12, alias, store.password)
    if store.type is StoreType.PEM:
        return _pem_without(store.data, alias)
    raise WriteError("removing from a certificate directory: delete the file instead")


def _pem_without(data: bytes, alias: str) -> bytes:
    """Drop the PEM block(s) whose derived alias or SHA-256 fingerprint is ``alias``, and
    the comment line sslpoke wrote above it; every other byte stays."""
    wanted = alias.lower().replace(":", "")
    out = bytearray()
    pos = 0
    pattern = re.compile(
        rb"(# [^\n]*\n)?-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", re.S
    )
    for match in pattern.finditer(data):
        block = match.group(0)
        ders = pem_blocks(block)
        cert = Cert(ders[0]) if ders else None
        if cert is not None and wanted in (alias_for(cert), cert.sha256.hex()):
            out += data[pos : match.start()]
            pos = match.end()
    out += data[pos:]
    return bytes(out)


def with_certificates(
    store: Editable, certs: list[tuple[Cert, str]]
) -> tuple[bytes, list[tuple[Cert, str]]]:
    """The store's bytes with each certificate not already in it; and those added, with the
    alias each got (made unique against what the store holds now)."""
    current = store
    added: list[tuple[Cert, str]] = []
    for cert, wanted in certs:
        if cert.sha256 in current.fingerprints:
            continue
        alias = unique_alias(current, wanted)
        content = with_certificate(current, cert, alias)
        current = current._replace(
            data=content,
            aliases=current.aliases | {alias},
            fingerprints=current.fingerprints | {cert.sha256},
        )
        added.append((cert, alias))
    return current.data, added
