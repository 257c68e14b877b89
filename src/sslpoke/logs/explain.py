"""``sslpoke explain``: a log's TLS failures grouped by (endpoint, cause), each probed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sslpoke.logs.catalog import HOW_TO_FIND_HOST, LogForm
from sslpoke.logs.parse import Event, events

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sslpoke.truststore_choice import StoreRequest

MAX_LOG_BYTES = 2 << 30  # read at most 2 GiB per file
MAX_PROBES = 50
PROBES_AT_ONCE = 8


class Group(NamedTuple):
    host: str | None
    port: int | None
    url: str | None
    form: LogForm
    occurrences: int
    first: datetime | None
    last: datetime | None
    sample: str  # one matching line
    where: str  # "file:line" of the first occurrence
    host_from: str
    diagnosis: Any = None  # a probe Report, when the endpoint was probed

    @property
    def target(self) -> str | None:
        if self.url:
            return self.url
        if self.host:
            return f"{self.host}:{self.port}" if self.port else self.host
        return None


class Explanation(NamedTuple):
    files: tuple[str, ...]
    events: int
    groups: tuple[Group, ...]


def _lines(path: str) -> Iterable[str]:
    """The log's lines (a pipe too, gzip or not), each held to the parser's width, up to
    2 GiB."""
    import contextlib
    import sys

    from sslpoke.errors import InputError
    from sslpoke.logs.parse import MAX_LINE
    from sslpoke.userfiles import lines, open_text, text_of

    with contextlib.ExitStack() as stack:
        try:
            if path == "-":
                buffer = getattr(sys.stdin, "buffer", None)
                fh = sys.stdin
                if buffer is not None:
                    fh = wrapper = text_of(buffer, gunzip=True)
                    stack.callback(wrapper.detach)  # standard input stays open for the caller
            else:
                fh = stack.enter_context(open_text(path, "log file", gunzip=True))
            yield from lines(fh, width=MAX_LINE, limit=MAX_LOG_BYTES)
        except EOFError:  # a .gz cut short (rotated while written): what was read counts
            return
        except OSError as exc:  # not gzip after all, a read error
            raise InputError(f"{path}: cannot read it ({exc})") from None


def group_events(found: Iterable[Event]) -> list[Group]:
    groups: dict[tuple[str | None, int | None, str], Group] = {}
    for e in found:
        key = (e.host.lower() if e.host else None, e.port, e.form.name)
        g = groups.get(key)
        if g is None:
            groups[key] = Group(
                e.host,
                e.port,
                e.url,
                e.form,
                1,
                e.at,
                e.at,
                e.detail,
                f"{e.file}:{e.line}",
                e.host_from,
            )
        else:
            groups[key] = g._replace(
                occurrences=g.occurrences + 1,
                first=min((t for t in (g.first, e.at) if t), default=None),
                last=max((t for t in (g.last, e.at) if t), default=None),
                url=g.url or e.url,
            )
    return sorted(groups.values(), key=lambda g: (-g.occurrences, g.target or "~"))


REVOCATION_FORMS = frozenset({"revoked", "revocation-unknown"})


def explain(
    paths: list[str],
    *,
    since: datetime | None = None,
    probe: bool = True,
    truststore: StoreRequest | str | Path | None = None,
    timeout: float = 10.0,
) -> Explanation:
    found: list[Event] = []
    for path in paths:
        found += list(events(_lines(path), file=path, since=since))
    groups = group_events(found)
    if probe:
        # one probe per (endpoint, revocation or not), up to MAX_PROBES, PROBES_AT_ONCE at a
        # time: endpoints a log names are often down, and one after the other each would
        # wait out its timeout alone
        keys: dict[str, tuple[str, bool]] = {}
        for g in groups:
            key = _key(g)
            if g.target and key and key not in keys and len(keys) < MAX_PROBES:
                keys[key] = (g.target, g.form.name in REVOCATION_FORMS)
        probed = _probe_all(keys, truststore, timeout)
        groups = [g._replace(diagnosis=probed.get(_key(g) or "")) for g in groups]
    return Explanation(tuple(paths), len(found), tuple(groups))


def _key(g: Group) -> str | None:
    """What a group's probe is keyed by: its endpoint, and whether the application checked
    revocation (its log says so: then the probe asks OCSP and the CRLs too, as that JVM
    did)."""
    if g.target is None:
        return None
    return f"{g.target} revocation" if g.form.name in REVOCATION_FORMS else g.target


def _probe_all(
    keys: dict[str, tuple[str, bool]], truststore: Any, timeout: float
) -> dict[str, Any]:
    """Each (target, revocation) probed, a few at once; a report, or the one line of a
    target that cannot be probed (a host the log names may not be a valid target)."""
    from concurrent.futures import ThreadPoolExecutor

    import sslpoke

    def one(item: tuple[str, bool]) -> Any:
        target, check = item
        try:
            return sslpoke.probe(
                target, truststore=truststore, timeout=timeout, reference=None, revocation=check
            )
        except Exception as exc:
            return str(exc)

    if not keys:
        return {}
    with ThreadPoolExecutor(max_workers=min(PROBES_AT_ONCE, len(keys))) as pool:
        return dict(zip(keys, pool.map(one, keys.values()), strict=True))


def to_dict(x: Explanation) -> dict[str, Any]:
    def one(g: Group) -> dict[str, Any]:
        d: dict[str, Any] = {
            "target": g.target,
            "cause": g.form.name,
            "code": g.form.code,
            "meaning": g.form.meaning,
            "count": g.occurrences,
            "first": g.first.isoformat() if g.first else None,
            "last": g.last.isoformat() if g.last else None,
            "sample": g.sample,
            "where": g.where,
            "host_from": g.host_from or None,
        }
        if g.target is None:
            d["how_to_find_the_host"] = HOW_TO_FIND_HOST
        rep = g.diagnosis
        if rep is not None and not isinstance(rep, str):
            d["diagnosis"] = {
                "ok": rep.ok,
                "exit_code": int(rep.exit_code),
                "problems": [
                    {
                        "code": p.code.value,
                        "severity": p.severity.value,
                        "message": p.message,
                        "fix": p.fix,
                    }
                    for p in rep.problems
                ],
            }
        elif isinstance(rep, str):
            d["diagnosis"] = {"error": rep}
        return d

    return {
        "schema_version": 1,
        "kind": "explain",
        "files": list(x.files),
        "failures": x.events,
        "groups": [one(g) for g in x.groups],
    }


def to_lines(x: Explanation) -> list[list[tuple[str, str | None]]]:
    lines: list[list[tuple[str, str | None]]] = []
    if not x.groups:
        lines.append([("✓ ", "ok"), (f"no Java TLS failure found in {', '.join(x.files)}", None)])
        return lines
    lines.append(
        [
            (f"{x.events} TLS failures", "bold"),
            (f" in {', '.join(x.files)}, {len(x.groups)} distinct (endpoint, cause)", None),
        ]
    )
    for g in x.groups:
        lines.append([])
        when = ""
        if g.first:
            when = f"  {g.first:%Y-%m-%d %H:%M}" + (
                f" … {g.last:%Y-%m-%d %H:%M}" if g.last and g.last != g.first else ""
            )
        lines.append(
            [
                ("✗ ", "err"),
                (g.target or "endpoint unknown", "bold"),
                (f"  {g.form.name}", "warn"),
                (f"  ×{g.occurrences}{when}", "dim"),
            ]
        )
        lines.append([("  log says  ", "dim"), (g.sample, None)])
        lines.append([("  meaning   ", "dim"), (g.form.meaning, None)])
        if g.target is None:
            lines.append([("  host      ", "dim"), (HOW_TO_FIND_HOST, None)])
        elif g.host_from:
            lines.append([("  host from ", "dim"), (g.host_from, None)])
        rep = g.diagnosis
        if isinstance(rep, str):
            lines.append([("  probe     ", "dim"), (f"could not probe: {rep}", "warn")])
        elif rep is not None:
            if rep.ok:
                lines.append(
                    [
                        ("  probe     ", "dim"),
                        (
                            "trusted now (fixed since, or another truststore/JVM: give --app-dir or --java)",
                            "ok",
                        ),
                    ]
                )
            for p in rep.problems[:3]:
                lines.append(
                    [
                        ("  probe     ", "dim"),
                        (
                            f"{p.code.value}: {p.message}",
                            "err" if p.severity.value == "error" else "warn",
                        ),
                    ]
                )
                if p.fix:
                    lines.append([("  fix       ", "dim"), (p.fix, "cmd")])
    return lines
