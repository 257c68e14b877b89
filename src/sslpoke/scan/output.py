"""A scan's outputs: JSON lines (resumable), CSV, and the summary by cause."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sslpoke.report import csvcell
from sslpoke.report import json as rjson
from sslpoke.scan.engine import ScanResult

CSV_COLUMNS = ("target", "ok", "exit_code", "code", "severity", "message", "fix", "seconds")


def _error_code(error: str | None) -> str:
    from sslpoke.scan.engine import INTERNAL_ERROR

    return "internal-error" if (error or "").startswith(INTERNAL_ERROR) else "bad-input"


def record(result: ScanResult) -> dict[str, Any]:
    """One JSON line: the probe's own JSON (``sslpoke HOST --json``) plus the spec as given."""
    if result.report is None:
        code = _error_code(result.error)
        return {
            "schema_version": 1,
            "spec": result.spec,
            "ok": False,
            "exit_code": 70 if code == "internal-error" else 2,
            "error": {"code": code, "message": result.error},
        }
    data = rjson.to_dict(result.report, pems=False)  # `sslpoke HOST --json` has the PEMs
    data["spec"] = result.spec
    return data


class JsonLines:
    """``json.dumps(record(result))`` for a scan's results, faster: the JSON text of what
    repeats from record to record — a path step with its certificate (the same leaf
    and intermediates on many endpoints) and the truststore — is made once and kept
    (at most :data:`LIMIT` pieces); the rest is encoded per record. The text is the
    same, byte for byte, as ``json.dumps`` of :func:`record` (a test holds them equal).
    Measured with py-spy: the JSON lines went from 11 % of a scan's busy time to 7 %."""

    LIMIT = 4096

    def __init__(self) -> None:
        self.pieces: dict[object, str] = {}

    def __call__(self, result: ScanResult) -> str:
        r = result.report
        if r is None:
            return _dumps(record(result))
        tls = rjson.plain_tuple(r.tls)
        return (
            _dumps(rjson.head(r))[:-1]
            + ', "truststore": '
            + self._piece(r.truststore, _store_json)
            + ", "
            + _dumps({"tls": tls})[1:-1]
            + ', "path": ['
            + ", ".join(self._piece(s, _step_json) for s in r.path)
            + "], "
            + _dumps({"problems": rjson.problems(r), "spec": result.spec})[1:]
        )

    def _piece(self, value: Any, make: Any) -> str:
        text = self.pieces.get(value)
        if text is None:
            text = make(value)
            if len(self.pieces) >= self.LIMIT:
                self.pieces.clear()
            self.pieces[value] = text
        return text


_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)  # json.dumps makes one per call


def _dumps(data: Any) -> str:
    """``json.dumps(data, default=str, ensure_ascii=False)``."""
    return _ENCODER.encode(data)


def _store_json(store: Any) -> str:
    return _dumps(rjson.plain_tuple(store))


def _step_json(step: Any) -> str:
    return _dumps(rjson.step_dict(step, False))


def done_specs(path: Path) -> set[str]:
    """The targets a previous (interrupted) run already wrote (``--resume``).

    Raises :class:`~sslpoke.errors.InputError` when the file is not one a scan wrote (its
    first whole line is not a record): the scan appends to it, and a file of targets
    named here by mistake must not be written into."""
    from sslpoke.errors import InputError

    done: set[str] = set()
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(_bounded_lines(fh)):
                try:
                    data = json.loads(line)
                except ValueError:
                    data = None  # a line cut short by the interruption
                spec = data.get("spec") if isinstance(data, dict) else None
                if isinstance(spec, str):
                    done.add(spec)
                elif number == 0 and line.endswith("\n") and line.strip():
                    raise InputError(
                        f"--resume {path}: not the JSON lines of a scan (its first line is not "
                        "a record): give the --jsonl file of the interrupted scan"
                    )
    except FileNotFoundError:
        return done
    except OSError as exc:  # a folder, not readable
        raise InputError(f"--resume {path}: cannot read it ({exc.strerror})") from None
    return done


MAX_RECORD = 4 << 20  # one JSON line longer than this is not a scan record
MAX_LINES = 2_000_000


def _bounded_lines(fh: IO[str]) -> Iterator[str]:
    """The file's lines, each read at most MAX_RECORD characters at a time: a longer line
    (no scan record is) is skipped without ever being held whole."""
    for _ in range(MAX_LINES):
        line = fh.readline(MAX_RECORD + 1)
        if not line:
            return
        if len(line) > MAX_RECORD:
            while line and not line.endswith("\n"):
                line = fh.readline(MAX_RECORD + 1)
            continue
        yield line


def read_records(path: Path, limit: int = 1_000_000) -> Iterator[dict[str, Any]]:
    """The records of a ``--jsonl`` file (a line cut short by an interruption is skipped)."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for count, line in enumerate(_bounded_lines(fh)):
            if count >= limit:
                return
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("spec"), str):
                yield _well_formed(data)


def _well_formed(data: dict[str, Any]) -> dict[str, Any]:
    """A record as later readers expect it: lists of objects where lists are due, an error
    object or none, a number of seconds (a hand-edited or damaged file may say anything)."""
    for key in ("problems", "path"):
        items = data.get(key)
        data[key] = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    for step in data["path"]:
        if not isinstance(step.get("certificate"), dict | None):
            step["certificate"] = None
    if "error" in data and not isinstance(data["error"], dict):
        data["error"] = {"code": "bad-input", "message": str(data["error"])[:300]}
    seconds = data.get("seconds")
    try:
        data["seconds"] = float(seconds) if seconds is not None else 0.0
    except (TypeError, ValueError, OverflowError):
        data["seconds"] = 0.0
    return data


def csv_row_of(data: dict[str, Any]) -> list[str]:
    """:func:`csv_row` from a JSON record (``--from-jsonl``, already well-formed)."""
    problems = data["problems"]
    errors = [p for p in problems if p.get("severity") == "error"]
    first = errors[0] if errors else (problems[0] if problems else {})
    if not first and isinstance(data.get("error"), dict):
        first = {**data["error"], "severity": "error"}
    return csvcell.row(
        [
            str(data["spec"]),
            "true" if data.get("ok") else "false",
            str(data.get("exit_code", "")),
            *(str(first.get(k) or "") for k in ("code", "severity", "message", "fix")),
            f"{data['seconds']:.3f}",
        ]
    )


def csv_row(result: ScanResult) -> list[str]:
    """One CSV row; every cell safe to open in a spreadsheet (:mod:`sslpoke.report.csvcell`:
    a target or a certificate name from a server never runs as a formula)."""
    r = result.report
    if r is None:
        code = _error_code(result.error)
        status = "70" if code == "internal-error" else "2"
        row = [result.spec, "false", status, code, "error", result.error or "", "", "0"]
        return csvcell.row(row)
    first = r.errors[0] if r.errors else (r.problems[0] if r.problems else None)
    return csvcell.row(
        [
            result.spec,
            "true" if r.ok else "false",
            str(int(r.exit_code)),
            first.code.value if first else "",
            first.severity.value if first else "",
            first.message if first else "",
            first.fix if first else "",
            f"{result.seconds:.3f}",
        ]
    )


class Summary:
    """Counts by code and the endpoints per cause, kept small (the first 20 distinct per cause)."""

    def __init__(self) -> None:
        self.total = 0
        self.trusted = 0
        self.by_code: Counter[str] = Counter()
        self.endpoints: dict[str, list[str]] = defaultdict(list)
        self.repeats: Counter[str] = Counter()  # results for an endpoint already sampled

    def add(self, result: ScanResult) -> None:
        r = result.report
        if result.ok or r is None:
            self._tally(result.spec, result.ok, _error_code(result.error))
        else:
            self._tally(result.spec, False, r.errors[0].code.value if r.errors else "not-trusted")

    def add_record(self, data: dict[str, Any]) -> None:
        """:meth:`add` from a JSON record (``--from-jsonl``, already well-formed)."""
        errors = [p for p in data["problems"] if p.get("severity") == "error"]
        if errors:
            code = str(errors[0].get("code"))
        elif isinstance(data.get("error"), dict):
            code = str(data["error"].get("code", "bad-input"))
        else:
            code = "not-trusted"
        self._tally(str(data["spec"]), bool(data.get("ok")), code)

    def _tally(self, spec: str, ok: bool, code: str) -> None:
        self.total += 1
        if ok:
            self.trusted += 1
            return
        self.by_code[code] += 1
        shown = self.endpoints[code]
        if spec in shown:  # a target listed twice is one endpoint, shown once
            self.repeats[code] += 1
        elif len(shown) < 20:
            shown.append(spec)

    def progress_text(self) -> str:
        """ "3 failing: 2 expired, 1 unknown-ca" for the progress line (top three causes)."""
        failed = self.total - self.trusted
        if not failed:
            return "0 failing"
        top = ", ".join(f"{n} {code}" for code, n in self.by_code.most_common(3))
        more = ", …" if len(self.by_code) > 3 else ""
        return f"{failed} failing: {top}{more}"

    def lines(self) -> list[list[tuple[str, str | None]]]:
        failed = self.total - self.trusted
        out: list[list[tuple[str, str | None]]] = [
            [
                ("✓ " if not failed else "✗ ", "ok" if not failed else "err"),
                (f"{self.trusted} of {self.total} endpoints trusted", "bold"),
                (f", {failed} failing" if failed else "", None),
            ]
        ]
        for code, n in self.by_code.most_common(10):
            shown = self.endpoints[code]
            # the endpoints not named: exact while every one is sampled (fewer than 20);
            # past that, the results less the repeats of sampled endpoints
            rest = (len(shown) if len(shown) < 20 else n - self.repeats[code]) - min(5, len(shown))
            more = f" and {rest} more" if rest > 0 else ""
            out.append(
                [
                    (f"  {code:24}", "warn"),
                    (f"{n:6}  ", "bold"),
                    (", ".join(shown[:5]) + more, None),
                ]
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "trusted": self.trusted,
            "by_code": dict(self.by_code.most_common()),
            "endpoints": {k: v for k, v in self.endpoints.items()},
        }


class Writers:
    """JSON lines and CSV rows as results come. Lines reach the disk at least every
    quarter second (and at the end), not after each one: a flush per line cost a scan
    0.05 ms an endpoint; an interruption loses at most those lines, which ``--resume``
    then scans again."""

    FLUSH_EVERY = 0.25

    def __init__(self, jsonl: IO[str] | None, csv_out: IO[str] | None) -> None:
        self.jsonl, self.csv = jsonl, csv_out
        self.flushed = time.monotonic()
        self.line = JsonLines()

    def write(self, result: ScanResult) -> None:
        if self.jsonl is not None:
            line = result.line if result.line is not None else self.line(result)
            self.jsonl.write(line + "\n")
        if self.csv is not None:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(csv_row(result))
            self.csv.write(buf.getvalue())
        now = time.monotonic()
        if now - self.flushed >= self.FLUSH_EVERY:
            self.flush()
            self.flushed = now

    def flush(self) -> None:
        for out in (self.jsonl, self.csv):
            if out is not None:
                out.flush()
