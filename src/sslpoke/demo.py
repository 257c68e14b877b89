"""``sslpoke demo``: the common failures, served on loopback and diagnosed.

Each scenario gets its own fresh certificates, a real TLS server on 127.0.0.1
and a small PEM truststore; nothing outside a temporary folder is touched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sslpoke.lab.scenarios import DEMO, Lab
from sslpoke.lab.server import TlsServer
from sslpoke.report.text import Line


def run_demo(*, json_output: bool = False) -> int:
    from sslpoke.api import probe
    from sslpoke.report import console, text
    from sslpoke.report.json import to_dict

    lab = Lab()
    builders = lab.scenarios()
    results: list[tuple[str, str, bool]] = []
    reports = []
    with tempfile.TemporaryDirectory(prefix="sslpoke-demo-") as folder:
        for name in DEMO:
            scenario = builders[name]()
            store = Path(folder) / f"{name}-truststore.pem"
            store.write_bytes(b"".join(c.pem for c in scenario.trust))
            with TlsServer(scenario.send, key=scenario.key, **scenario.server_options) as server:  # type: ignore[arg-type]
                report = probe(scenario.servername, server.port, truststore=store, timeout=5)
            codes = [p.code for p in report.errors]
            as_expected = (report.ok and scenario.expect is None) or (scenario.expect in codes)
            results.append((name, ", ".join(c.value for c in codes) or "trusted", as_expected))
            if json_output:
                reports.append(
                    {"scenario": name, "summary": scenario.summary, "report": to_dict(report)}
                )
                continue
            console.write([[("", None)], [(f"━━ demo: {name} — {scenario.summary}", "bold")]])
            console.write(text.render(report))
    if json_output:
        import json

        sys.stdout.write(json.dumps(reports, indent=2) + "\n")
    else:
        lines: list[Line] = [[("", None)], [("Summary", "bold")]]
        for name, verdict, ok in results:
            lines.append(
                [
                    ("  ✓ " if ok else "  ✗ ", "ok" if ok else "error"),
                    (f"{name:<22}", None),
                    (verdict, "dim"),
                ]
            )
        lines.append([("Try it on your own server: ", None), ("sslpoke HOST [PORT]", "cmd")])
        console.write(lines)
    return 0 if all(ok for _, _, ok in results) else 1
