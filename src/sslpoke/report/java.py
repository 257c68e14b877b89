"""``sslpoke java``: the report, as text or JSON. Passwords are never shown."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from sslpoke.java.discovery import AppConfig, JavaInstall, JavaProcess, StoreSummary
from sslpoke.java.options import TrustSettings
from sslpoke.report import console
from sslpoke.report.text import Line, plural


def _store_lines(store: StoreSummary | None) -> list[Line]:
    """The truststore line, and the warning when Java silently fell back to cacerts."""
    if store is None:
        return [[("      truststore ", "dim"), ("(no Java found for it)", "warn")]]
    where = str(store.path) + (f" → {store.real_path}" if store.real_path else "")
    if store.error:
        line: Line = [
            ("      truststore ", "dim"),
            (where, None),
            (f"  cannot be read: {store.error}", "error"),
        ]
    else:
        entries = plural(store.entries or 0, "entry", "entries")
        line = [
            ("      truststore ", "dim"),
            (f"{(store.type or '').upper()} {where} · {entries}", None),
            (f"  ({store.origin})", "dim"),
        ]
    lines = [line]
    if store.fallback:
        lines.append([("      ", None), (store.fallback, "warn")])
    return lines


def _settings_lines(settings: TrustSettings) -> list[Line]:
    return [[("      ", None), (line, "cmd")] for line in settings.describe()]


def render_java_report(
    javas: Sequence[JavaInstall],
    processes: Sequence[JavaProcess],
    apps: Sequence[AppConfig],
    *,
    json_output: bool,
) -> int:
    if json_output:
        sys.stdout.write(json.dumps(to_dict(javas, processes, apps), indent=2) + "\n")
        return 0
    lines: list[Line] = [[(f"Java installations ({len(javas)})", "bold")]]
    if not javas:
        lines.append(
            [
                (
                    "  none found (looked at JAVA_HOME, PATH, update-alternatives, /usr/lib/jvm, /usr/java, /opt)",
                    "warn",
                )
            ]
        )
    for j in javas:
        version = " ".join(x for x in (j.version, f"({j.vendor})" if j.vendor else None) if x)
        lines.append(
            [
                ("  ● ", "ok"),
                (str(j.home), "bold"),
                (f"   {version or 'version unknown'}", None),
                (f"   found by {', '.join(j.found_by)}", "dim"),
            ]
        )
        real = j.java.resolve()
        lines.append(
            [
                ("      java       ", "dim"),
                (str(j.java) + (f" → {real}" if real != j.java else ""), None),
            ]
        )
        lines += _store_lines(j.store)
    lines.append([])
    lines.append([(f"Running Java processes ({len(processes)})", "bold")])
    for p in processes:
        lines.append(
            [
                ("  PID ", "dim"),
                (str(p.pid), "bold"),
                (f"  {p.java}", None),
                (f"  {p.command}", "dim"),
            ]
        )
        lines += _settings_lines(p.settings)
        lines += _store_lines(p.store)
        if p.note:
            lines.append([("      note: ", "dim"), (p.note, "warn")])
    for app in apps:
        lines.append([])
        lines.append([(f"Application {app.folder}", "bold")])
        files = ", ".join(str(f) for f in app.files) or "no bin/setenv.sh found"
        lines.append([("      read       ", "dim"), (files, None)])
        lines.append(
            [
                ("      java.home  ", "dim"),
                (str(app.home) if app.home else "unknown", None),
                (f"  ({app.home_from})" if app.home_from else "", "dim"),
            ]
        )
        lines += _settings_lines(app.settings)
        lines += _store_lines(app.store)
    lines += _shared_store_summary(javas, processes, apps)
    console.write(lines)
    return 0


def _shared_store_summary(
    javas: Sequence[JavaInstall],
    processes: Sequence[JavaProcess] = (),
    apps: Sequence[AppConfig] = (),
) -> list[Line]:
    """Whether it matters which Java the application runs: only if the truststores differ,
    counting running JVMs and application folders (which often name their own store)."""
    if len(javas) + len(processes) + len(apps) < 2:
        return []
    stores = {j.store.real_path or j.store.path for j in javas}
    stores |= {p.store.real_path or p.store.path for p in processes}
    stores |= {a.store.real_path or a.store.path for a in apps if a.store is not None}
    if len(stores) == 1:
        (store,) = stores
        return [
            [],
            [
                (
                    f"Every Java, running JVM and application listed uses the same truststore, {store}.",
                    "dim",
                )
            ],
        ]
    if len({j.store.real_path or j.store.path for j in javas}) == 1 and len(stores) > 1:
        return [
            [],
            [
                (
                    f"The Java installations share one truststore, but running JVMs or applications "
                    f"use others ({len(stores)} in all): test with the application's own, ",
                    "warn",
                ),
                ("sslpoke HOST PORT --java PID (or --app-dir DIR)", "cmd"),
            ],
        ]
    return [
        [],
        [
            (
                f"{len(javas)} Java installations use {len(stores)} different truststores: "
                "test with the one the application runs, ",
                "warn",
            ),
            ("sslpoke HOST PORT --java PATH|PID", "cmd"),
        ],
    ]


def _store_dict(store: StoreSummary | None) -> dict[str, Any] | None:
    if store is None:
        return None
    return {
        "path": str(store.path),
        "real_path": str(store.real_path) if store.real_path else None,
        "origin": store.origin,
        "type": store.type,
        "entries": store.entries,
        "error": store.error,
        "fallback": store.fallback,
    }


def _settings_dict(settings: TrustSettings) -> dict[str, Any]:
    return {
        "truststore": settings.truststore,
        "truststore_type": settings.storetype,
        "truststore_password_set": settings.password is not None,
        "sources": dict(settings.sources),
    }


def to_dict(
    javas: Sequence[JavaInstall], processes: Sequence[JavaProcess], apps: Sequence[AppConfig]
) -> dict[str, Any]:
    return {
        "javas": [
            {
                "java_home": str(j.home),
                "java": str(j.java),
                "version": j.version,
                "vendor": j.vendor,
                "found_by": list(j.found_by),
                "truststore": _store_dict(j.store),
            }
            for j in javas
        ],
        "processes": [
            {
                "pid": p.pid,
                "java": str(p.java),
                "java_home": str(p.home),
                "command": p.command,
                "settings": _settings_dict(p.settings),
                "truststore": _store_dict(p.store),
                "note": p.note,
            }
            for p in processes
        ],
        "apps": [
            {
                "dir": str(a.folder),
                "java_home": str(a.home) if a.home else None,
                "java_home_from": a.home_from,
                "files": [str(f) for f in a.files],
                "settings": _settings_dict(a.settings),
                "truststore": _store_dict(a.store),
            }
            for a in apps
        ],
    }
