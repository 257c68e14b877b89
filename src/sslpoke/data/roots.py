"""The root programs' lists of TLS roots, dated and offline.

The shipped snapshot is the data file of **cryptodatahub** (MPL-2.0; its
``root-certificate.json``): every root certificate with the stores that trust it
— Mozilla (CCADB's "Included Roots" report filtered on the *Websites* trust bit,
with Mozilla's "Distrust for TLS After Date" and applied name constraints),
OpenJDK and Oracle (the JDK's ``cacerts``), Microsoft (server authentication),
Apple, Android and Google. sslpoke reads that JSON file and parses the
certificates with pyca/cryptography rather than going through cryptodatahub's
object API: measured on this machine, building its enum of 307 roots takes
seconds (asn1crypto objects for every field), reading the file 0.1 s.

``sslpoke data update`` writes a fresher Mozilla list, fetched from CCADB, into
the user data folder (``$SSLPOKE_DATA_DIR``, else ``$XDG_DATA_HOME/sslpoke``,
else ``~/.local/share/sslpoke``); when present it takes precedence over the
snapshot's Mozilla column, and every finding names which one it used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import InputError
from sslpoke.pki.certs import Cert

#: The programs, as cryptodatahub names them, and as sslpoke prints them.
PROGRAMS = {
    "MOZILLA": "Mozilla",
    "OPENJDK": "OpenJDK",
    "ORACLE": "Oracle JDK",
    "MICROSOFT": "Microsoft",
    "APPLE": "Apple",
    "ANDROID": "Android",
    "GOOGLE": "Chrome",
}
#: When each cryptodatahub release was published (PyPI), for "as of" in every finding.
SNAPSHOT_DATES = {"1.6.1": "2026-10"}
MAX_DATA_BYTES = 16 << 20
MAX_ROOTS = 5000
MOZILLA_CSV = "mozilla-included-roots.csv"
MOZILLA_META = "mozilla-included-roots.json"


class ReferenceRoot(NamedTuple):
    cert: Cert
    programs: frozenset[str]  # keys of PROGRAMS
    #: Mozilla's "Distrust for TLS After Date": leaves issued after it are not trusted.
    distrust_after: date | None = None
    #: Mozilla's applied constraints (e.g. ``*.tr``): trusted only for these names.
    domains: tuple[str, ...] = ()

    @property
    def mozilla(self) -> bool:
        return "MOZILLA" in self.programs

    @property
    def jdk(self) -> bool:
        return "OPENJDK" in self.programs or "ORACLE" in self.programs


class RootSnapshot(NamedTuple):
    roots: tuple[ReferenceRoot, ...]
    source: str  # e.g. "cryptodatahub 1.6.1 (2026-10)"
    mozilla_source: str  # e.g. "Mozilla's list as of 2026-10 (cryptodatahub 1.6.1)"
    as_of: str  # "2026-10"

    def by_sha256(self) -> dict[bytes, ReferenceRoot]:
        return {r.cert.sha256: r for r in self.roots}

    def by_subject_key(self) -> dict[tuple[object, ...], ReferenceRoot]:
        """The same root re-issued (same subject and key) is the same anchor to Java."""
        return {(r.cert.subject_key, r.cert.spki_sha256): r for r in self.roots}

    def in_program(self, program: str) -> list[ReferenceRoot]:
        return [r for r in self.roots if program in r.programs]


def data_dir() -> Path:
    """Where ``sslpoke data update`` keeps fresher reference data."""
    explicit = os.environ.get("SSLPOKE_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sslpoke"


def _cryptodatahub() -> tuple[bytes, str]:
    import importlib.metadata
    import importlib.resources

    try:
        version = importlib.metadata.version("cryptodatahub")
        resource = importlib.resources.files("cryptodatahub.common") / "root-certificate.json"
        with resource.open("rb") as fh:
            raw = fh.read(MAX_DATA_BYTES + 1)
    except (ImportError, OSError) as exc:
        raise InputError(
            f"the root-program data (package cryptodatahub) cannot be read: {exc}; "
            "reinstall sslpoke (pip install sslpoke) to get it"
        ) from None
    if len(raw) > MAX_DATA_BYTES:
        raise InputError("cryptodatahub's root-certificate.json is larger than sslpoke reads")
    return raw, version


def parse_snapshot(raw: bytes, *, source: str, as_of: str) -> RootSnapshot:
    """cryptodatahub's ``root-certificate.json`` (or a hand-made file of the same shape)."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"{source}: not JSON ({exc})") from None
    if not isinstance(data, dict) or len(data) > MAX_ROOTS:
        raise InputError(f"{source}: not a root-certificate list")
    roots = []
    for name, entry in data.items():
        try:
            pem = "\n".join(entry["certificate"]) + "\n"
            cert = _cert_from_pem(pem)
            programs = frozenset(str(t["owner"]) for t in entry.get("trust_stores", ()))
            distrust, domains = _constraints(entry, "MOZILLA")
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{source}: entry {name!r} cannot be read ({exc})") from None
        roots.append(ReferenceRoot(cert, programs, distrust, domains))
    mozilla = f"Mozilla's list as of {as_of} ({source})"
    return RootSnapshot(tuple(roots), source, mozilla, as_of)


def _constraints(entry: dict[str, object], owner: str) -> tuple[date | None, tuple[str, ...]]:
    stores = entry.get("trust_stores", ())
    assert isinstance(stores, list | tuple)
    for store in stores:
        if store.get("owner") != owner:
            continue
        distrust: date | None = None
        domains: list[str] = []
        for c in store.get("constraints", ()):
            if c.get("date"):
                distrust = datetime.fromisoformat(str(c["date"])).date()
            domains += [str(d) for d in c.get("domains", ())]
        return distrust, tuple(domains)
    return None, ()


def _cert_from_pem(pem: str) -> Cert:
    import warnings

    from cryptography import x509

    with warnings.catch_warnings():  # old roots with a zero or negative serial: known, kept
        warnings.simplefilter("ignore")
        return Cert.from_x509(x509.load_pem_x509_certificate(pem.encode("ascii")))


@cache
def shipped_snapshot() -> RootSnapshot:
    raw, version = _cryptodatahub()
    as_of = SNAPSHOT_DATES.get(version, f"cryptodatahub {version}")
    return parse_snapshot(raw, source=f"cryptodatahub {version}", as_of=as_of)


def load_snapshot(folder: Path | None = None) -> RootSnapshot:
    """The shipped snapshot, its Mozilla column replaced by a fresher list from
    ``sslpoke data update`` where the user data folder has one."""
    snapshot = shipped_snapshot()
    folder = data_dir() if folder is None else folder
    csv_path, meta_path = folder / MOZILLA_CSV, folder / MOZILLA_META
    if not csv_path.is_file():
        return snapshot
    from sslpoke.data.ccadb import parse_ccadb_csv

    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        fetched = str(meta["fetched"])[:10]
        text = csv_path.read_text("utf-8")
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(
            f"{folder}: the updated Mozilla list cannot be read ({exc}); run 'sslpoke data "
            f"update' again, or remove {csv_path} to use the shipped snapshot"
        ) from None
    rows = parse_ccadb_csv(text, source=str(csv_path))
    return with_mozilla(snapshot, rows, as_of=fetched, source=f"CCADB, fetched {fetched}")


def with_mozilla(
    snapshot: RootSnapshot,
    rows: Iterable[tuple[Cert, date | None, tuple[str, ...]]],
    *,
    as_of: str,
    source: str,
) -> RootSnapshot:
    """The snapshot with Mozilla's column taken from ``rows`` (certificate, distrust-after,
    applied constraints): roots not in it lose Mozilla, new ones are added."""
    fresh = {cert.sha256: (cert, distrust, domains) for cert, distrust, domains in rows}
    roots = []
    for root in snapshot.roots:
        programs = root.programs - {"MOZILLA"}
        if root.cert.sha256 in fresh:
            _, distrust, domains = fresh.pop(root.cert.sha256)
            roots.append(ReferenceRoot(root.cert, programs | {"MOZILLA"}, distrust, domains))
        else:
            roots.append(ReferenceRoot(root.cert, programs))
    for cert, distrust, domains in fresh.values():
        roots.append(ReferenceRoot(cert, frozenset({"MOZILLA"}), distrust, domains))
    return RootSnapshot(
        tuple(roots),
        f"{snapshot.source} + {source}",
        f"Mozilla's list as of {as_of} ({source})",
        as_of,
    )
