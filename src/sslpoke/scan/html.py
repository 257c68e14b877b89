"""The scan as one self-contained HTML page (Jinja2; no external assets).

A sortable, filterable table of endpoints (status, code, first problem), each
failing endpoint with its certification path drawn in SVG (leaf → intermediates
→ anchor; the broken link red, a missing certificate dashed), the truststore,
the problems and their fixes, and a chart of endpoints by cause. Built from the
scan's JSON records, so a finished ``--jsonl`` file can be rendered again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

MAX_ROWS = 20_000  # the page stays usable; the JSON lines keep everything


@cache
def _template() -> Any:
    """The page's template, compiled once per process."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sslpoke.scan", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def render(records: Iterable[dict[str, Any]]) -> str:
    rows: list[dict[str, Any]] = []
    causes: Counter[str] = Counter()
    total = trusted = 0
    store = "-"
    for rec in records:
        total += 1
        ok = bool(rec.get("ok"))
        problems = rec.get("problems") or []
        errors = [p for p in problems if p.get("severity") == "error"]
        first = errors[0] if errors else (problems[0] if problems else None)
        if "error" in rec and not problems:
            first = {
                "code": rec["error"].get("code", "error"),
                "message": rec["error"].get("message", ""),
            }
        code = "trusted" if ok else (first or {}).get("code", "not-trusted")
        causes[code] += 1
        trusted += ok
        ts = rec.get("truststore") or {}
        if isinstance(ts, dict) and ts.get("location"):
            store = f"{str(ts.get('type', '')).upper()} {ts['location']}"
        if len(rows) >= MAX_ROWS:
            continue
        path = [
            {
                "role": step.get("role", "?"),
                "broken": bool(step.get("broken")),
                "name": ((step.get("certificate") or {}).get("name") or step.get("note") or "?"),
            }
            for step in (rec.get("path") or [])[:8]
        ]
        rows.append(
            {
                "spec": rec.get("spec") or rec.get("target") or "?",
                "ok": ok,
                "code": "" if ok else code,
                "message": "" if ok else (first or {}).get("message", ""),
                "detail": not ok and bool(path or problems),
                "path": path,
                "problems": [
                    {
                        "code": p.get("code"),
                        "severity": p.get("severity"),
                        "message": p.get("message"),
                        "fix": p.get("fix"),
                    }
                    for p in problems[:10]
                ],
                "truststore": store,
            }
        )
    ordered = sorted(causes.items(), key=lambda kv: (kv[0] != "trusted", -kv[1]))
    page: str = _template().render(
        rows=rows,
        causes=ordered,
        max_cause=max(causes.values(), default=1),
        summary={"total": total, "trusted": trusted},
        truststore=store,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        truncated=max(0, total - len(rows)),
    )
    return page
