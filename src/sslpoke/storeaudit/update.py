"""``sslpoke store update``: add the missing TLS roots, optionally drop distrusted ones.

Through the same safe write as ``sslpoke trust`` (the store's lock, a backup, an
atomic replace that keeps owner, mode, format and password). Private roots —
in no program — are never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from sslpoke.data.roots import RootSnapshot
from sslpoke.errors import InputError
from sslpoke.pki.certs import Cert
from sslpoke.storeaudit.audit import Category, StoreAudit
from sslpoke.stores.model import TrustStore, alias_for


class UpdatePlan(NamedTuple):
    add: tuple[tuple[Cert, str], ...]  # certificate, wanted alias
    remove: tuple[tuple[Cert, str], ...]  # certificate, its alias in the store
    source: str


def roots_from(source: str, snapshot: RootSnapshot) -> tuple[list[Cert], str]:
    """The TLS roots a source offers: ``mozilla``, ``jdk`` or a PEM/DER file or bundle."""
    if source == "mozilla":
        certs = [
            r.cert for r in snapshot.roots if r.mozilla and not r.distrust_after and not r.domains
        ]
        return certs, snapshot.mozilla_source
    if source == "jdk":
        from sslpoke.storeaudit.audit import _distrusted_by_jdk, tls_root

        bad = _distrusted_by_jdk()
        certs = [
            r.cert for r in snapshot.roots if r.jdk and tls_root(r) and r.cert.sha256 not in bad
        ]
        return certs, f"the JDK's cacerts as of {snapshot.as_of} ({snapshot.source})"
    from sslpoke.certfiles import load_certificates

    path = Path(source)
    if not path.exists():
        raise InputError(f"--from {source}: give mozilla, jdk, or a PEM/DER file of roots")
    return list(load_certificates(path)), str(path)


def plan_update(
    store: TrustStore,
    audit: StoreAudit,
    snapshot: RootSnapshot,
    *,
    source: str,
    remove_distrusted: bool,
    today_ok: bool = True,
) -> UpdatePlan:
    """What to add (roots of the source the store lacks, not expired) and, with
    ``remove_distrusted``, what to take out (entries the audit found distrusted)."""
    from datetime import UTC, datetime

    offered, label = roots_from(source, snapshot)
    have = {e.cert.sha256 for e in store.entries}
    have_keys = {(e.cert.subject_key, e.cert.spki_sha256) for e in store.entries}
    now = datetime.now(UTC)
    add: list[tuple[Cert, str]] = []
    for cert in offered:
        if cert.sha256 in have or (cert.subject_key, cert.spki_sha256) in have_keys:
            continue
        if today_ok and cert.not_after < now:
            continue
        if not (cert.is_ca or cert.self_issued):
            raise InputError(f"{label}: {cert.display_name} is not a CA certificate")
        have.add(cert.sha256)
        add.append((cert, alias_for(cert)))
    remove: list[tuple[Cert, str]] = []
    if remove_distrusted:
        wanted = {f.sha256 for f in audit.findings if f.category is Category.DISTRUSTED}
        for entry in store.entries:
            if entry.cert.fingerprint in wanted and entry.alias:
                remove.append((entry.cert, entry.alias))
    return UpdatePlan(tuple(add), tuple(remove), label)
