"""The JSON report. Its schema is documented in the README and versioned here.

Additions keep ``schema_version``; a field removed or changed in meaning bumps it.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from sslpoke.report.model import CertInfo, PathStep, Report

SCHEMA_VERSION = 1


def _cert(cert: CertInfo | None, pems: bool = True) -> dict[str, Any] | None:
    if cert is None:
        return None
    data = cert._asdict()
    if not pems:
        del data["pem"]
    data["not_before"] = cert.not_before.isoformat()
    data["not_after"] = cert.not_after.isoformat()
    data["san"] = list(cert.san)
    return data


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values: answered before the isinstance checks
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_dict(report: Report, *, pems: bool = True) -> dict[str, Any]:
    """The report as JSON data. ``pems=False`` (a scan's JSON lines): no ``chain`` and
    no PEM in the path, which make a record ten times longer."""
    data = head(report)
    data["truststore"] = plain_tuple(report.truststore)
    data["tls"] = plain_tuple(report.tls)
    if pems:
        data["chain"] = [_cert(c) for c in report.chain]
    data["path"] = [step_dict(step, pems) for step in report.path]
    data["problems"] = problems(report)
    return data


# The pieces of :func:`to_dict`, in its key order, for a writer that keeps the JSON of
# what repeats from report to report (the scan's JSON lines: scan/output.py).


def head(report: Report) -> dict[str, Any]:
    """The keys before ``truststore``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": report.kind,
        "ok": report.ok,
        "exit_code": int(report.exit_code),
        "target": report.target,
        "checked_name": report.checked_name,
        "profile": report.profile,
        "java_rules": report.java_rules,
        "java_says": _java_says(report),
        "at": report.at.isoformat(),
        "seconds": report.seconds,
    }


def plain_tuple(value: NamedTuple | None) -> dict[str, Any] | None:
    """A report's named tuple (truststore, TLS) as JSON data."""
    return _plain(value._asdict()) if value is not None else None


def step_dict(step: PathStep, pems: bool) -> dict[str, Any]:
    return {
        "role": step.role.value,
        "broken": step.broken,
        "note": step.note,
        "certificate": _cert(step.cert, pems),
    }


def problems(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code.value,
            "severity": p.severity.value,
            "cert_index": p.cert_index,
            "message": p.message,
            "fix": p.fix,
            "commands": list(p.commands),
        }
        for p in report.problems
    ]


def dumps(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


def _java_says(report: Report) -> str | None:
    """The exception Java prints for the main problem (None when trusted)."""
    primary = next((p for p in report.problems if p.is_error), None)
    if primary is None:
        return None
    from sslpoke.diagnose.catalog import java_text

    host = report.checked_name or (report.target or "").rpartition(":")[0].strip("[]") or None
    return java_text(primary.code, host) or None
