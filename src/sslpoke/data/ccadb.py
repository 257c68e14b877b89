"""Mozilla's included TLS roots from the CCADB, the authoritative source.

The report is the one rustls/webpki-roots and cryptodatahub read:
``IncludedRootsDistrustTLSSSLPEMCSV?TrustBitsInclude=Websites`` — one row per
root with its ``PEM``, ``Distrust for TLS After Date`` (``YYYY.MM.DD``) and
``Mozilla Applied Constraints`` (e.g. ``*.tr``). ``sslpoke data update`` fetches
it, checks it, and keeps it in the user data folder (see :mod:`sslpoke.data.roots`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import InputError
from sslpoke.pki.certs import Cert

CCADB_MOZILLA_URL = (
    "https://ccadb.my.salesforce-sites.com/mozilla/IncludedRootsDistrustTLSSSLPEMCSV"
    "?TrustBitsInclude=Websites"
)
MAX_CSV_BYTES = 8 << 20
MAX_ROWS = 2000
#: A fetched list must hold at least this many roots, and keep this share of the roots the
#: shipped snapshot has for Mozilla: a truncated download or an error page never replaces it.
MIN_ROWS = 50
MIN_KEPT = 0.8

COLUMNS = ("PEM", "Distrust for TLS After Date", "Mozilla Applied Constraints")


def parse_ccadb_csv(text: str, *, source: str) -> list[tuple[Cert, date | None, tuple[str, ...]]]:
    """Rows of the CCADB report: (certificate, distrust-after, applied constraints)."""
    from cryptography import x509

    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "PEM" not in reader.fieldnames:
        raise InputError(f"{source}: not CCADB's included-roots report (no PEM column)")
    out: list[tuple[Cert, date | None, tuple[str, ...]]] = []
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise InputError(f"{source}: more than {MAX_ROWS} rows")
        pem = (row.get("PEM") or "").strip().strip("'").strip()
        try:
            cert = Cert.from_x509(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise InputError(f"{source}: row {number}: the PEM is not a certificate") from None
        raw_date = (row.get("Distrust for TLS After Date") or "").strip()
        try:
            distrust = datetime.strptime(raw_date, "%Y.%m.%d").date() if raw_date else None
        except ValueError:
            raise InputError(f"{source}: row {number}: bad date {raw_date!r}") from None
        constraint = (row.get("Mozilla Applied Constraints") or "").strip()
        out.append((cert, distrust, (constraint,) if constraint else ()))
    return out


class UpdateResult(NamedTuple):
    path: Path
    rows: int
    added: list[Cert]  # in the new list, not in the shipped snapshot's Mozilla column
    removed: list[Cert]  # in the snapshot's Mozilla column, not in the new list
    fetched: str


def fetch(url: str, *, timeout: float) -> str:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            raw = response.read(MAX_CSV_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot fetch {url}: {reason}") from None
    if len(raw) > MAX_CSV_BYTES:
        raise InputError(f"{url}: more than {MAX_CSV_BYTES >> 20} MiB; not the CCADB report")
    text: str = raw.decode("utf-8", "replace")
    return text


def update(
    url: str = CCADB_MOZILLA_URL, *, timeout: float = 30.0, folder: Path | None = None
) -> UpdateResult:
    """Fetch Mozilla's list, check it, and store it where :func:`load_snapshot` finds it."""
    from sslpoke.data.roots import MOZILLA_CSV, MOZILLA_META, data_dir, shipped_snapshot
    from sslpoke.stores.safe_write import replace_file

    text = fetch(url, timeout=timeout)
    rows = parse_ccadb_csv(text, source=url)
    shipped = {r.cert.sha256: r.cert for r in shipped_snapshot().in_program("MOZILLA")}
    fresh = {cert.sha256: cert for cert, _, _ in rows}
    if len(fresh) < MIN_ROWS:
        raise InputError(f"{url}: only {len(fresh)} roots; expected Mozilla's full list")
    kept = len(set(shipped) & set(fresh)) / max(1, len(shipped))
    if kept < MIN_KEPT:
        raise InputError(
            f"{url}: keeps only {kept:.0%} of the {len(shipped)} roots of the shipped list; "
            "refusing it (a wrong report, or a truncated download)"
        )
    folder = data_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {
        "fetched": now,
        "url": url,
        "rows": len(rows),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    target = folder / MOZILLA_CSV
    if target.exists():
        replace_file(target, text.encode(), backup=False)
    else:
        _write_new(target, text.encode())
    meta_path = folder / MOZILLA_META
    if meta_path.exists():
        replace_file(meta_path, json.dumps(meta, indent=2).encode(), backup=False)
    else:
        _write_new(meta_path, json.dumps(meta, indent=2).encode())
    return UpdateResult(
        target,
        len(rows),
        [c for k, c in fresh.items() if k not in shipped],
        [c for k, c in shipped.items() if k not in fresh],
        now,
    )


def _write_new(path: Path, data: bytes) -> None:
    import os

    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
