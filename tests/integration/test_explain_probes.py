"""``sslpoke explain`` probes the endpoints a log names a few at once: a log's
endpoints are often down, and one after the other each would wait out its timeout."""

from __future__ import annotations

import socket
import threading
from contextlib import ExitStack, suppress
from pathlib import Path

from sslpoke.lab.scenarios import Lab
from sslpoke.logs.explain import explain
from tests.conftest import write_pem
from tests.rawservers import raw_server

PKIX = (
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
    "certification path to requested target\n"
)


def test_endpoints_are_probed_at_once(lab: Lab, tmp_path: Path) -> None:
    count = 4
    # Each server holds its connection until all four are open: probed one after the
    # other, the first would wait alone and the barrier break (no sleep, no clock).
    barrier = threading.Barrier(count, timeout=10)

    def hold_then_close(conn: socket.socket) -> None:
        with suppress(threading.BrokenBarrierError):
            barrier.wait()
        conn.close()

    with ExitStack() as stack:
        ports = [stack.enter_context(raw_server(hold_then_close)) for _ in range(count)]
        log = tmp_path / "atlassian-jira.log"
        log.write_text(
            "".join(
                f"2026-11-30 10:00:0{i},000+0000 exec-{i} ERROR admin 1x1 - 10.0.0.1 /secure "
                f"[c.a.j.applinks] Unable to connect to the server at https://127.0.0.1:{port} "
                f"due to the following exception:\n{PKIX}"
                for i, port in enumerate(ports)
            )
        )
        result = explain(
            [str(log)], truststore=str(write_pem([lab.root], tmp_path / "root.pem")), timeout=20
        )
    assert not barrier.broken
    assert sorted(g.port for g in result.groups) == sorted(ports)
    for g in result.groups:  # each probed, in its group: the server closed at once
        assert g.diagnosis is not None and not isinstance(g.diagnosis, str), g
        assert g.diagnosis.target == f"127.0.0.1:{g.port}"
        assert not g.diagnosis.ok
