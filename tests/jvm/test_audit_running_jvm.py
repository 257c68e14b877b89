"""A running JVM is judged with its own -D options (read from /proc), and `--confirm`
runs the real handshake with the same options: a JVM started with
-Djdk.tls.client.protocols=TLSv1.2 cannot reach a TLS 1.3-only server while its
installation can; one started with -Dcom.sun.net.ssl.checkRevocation=true refuses a
revoked certificate that a default JVM accepts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from tests.integration.test_audit import _rsa, pki, s_server  # noqa: F401  (pki: a fixture)
from tests.integration.test_revocation import answer_revoked_intermediate, hierarchy, responder

pytestmark = pytest.mark.jvm

WAIT = """
public class Wait {
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        System.in.read();
    }
}
"""


@contextmanager
def running_jvm(java: str, tmp: Path, *options: str) -> Iterator[int]:
    """A JVM that runs until its stdin closes, started with ``options``; yields its pid
    once it has printed "ready" (its -D options are on /proc from the exec on)."""
    source = tmp / "Wait.java"
    source.write_text(WAIT)
    proc = subprocess.Popen(
        [java, *options, str(source)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc.pid
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=30)


def test_a_running_jvm_is_judged_with_its_protocol_option(
    java: str,
    pki: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    with (
        running_jvm(java, tmp_path, "-Djdk.tls.client.protocols=TLSv1.2") as pid,
        s_server(*_rsa(pki), "-tls1_3") as port,
    ):
        report = sslpoke.audit(
            "localhost", port, truststore=str(pki["root"]), javas="local", confirm=True
        )
    (mine,) = [j for j in report.javas if f"pid {pid} " in j.java]
    assert not mine.ok and mine.code == "java-no-common-protocol", mine
    assert "-Djdk.tls.client.protocols=TLSv1.2" in mine.source
    assert mine.confirmed is not None and mine.confirmed.startswith("FAIL"), mine.confirmed
    installed = [j for j in report.javas if "pid " not in j.java and j.ok]
    assert installed, "the same installation without the option connects"
    assert all(j.confirmed and j.confirmed.startswith("OK") for j in installed)


def test_a_running_jvm_that_checks_revocation_refuses_a_revoked_intermediate(
    lab: Lab, java: str, tmp_path: Path
) -> None:
    with responder() as r:
        inter, leaf, args = hierarchy(lab, r.url, tmp_path)
        answer_revoked_intermediate(r, lab, inter, leaf)
        security = tmp_path / "ocsp.security"
        security.write_text("ocsp.enable=true\n")
        options = (
            "-Dcom.sun.net.ssl.checkRevocation=true",
            f"-Djava.security.properties={security}",
        )
        with running_jvm(java, tmp_path, *options) as pid, s_server(*args) as port:
            report = sslpoke.audit(
                "localhost",
                port,
                truststore=str(tmp_path / "root.pem"),
                javas="local",
                confirm=True,
                revocation=True,
            )
    (mine,) = [j for j in report.javas if f"pid {pid} " in j.java]
    assert not mine.ok and mine.code == "revoked", mine
    assert "CA_COMPROMISE" in mine.reason and "Pointed Intermediate CA" in mine.reason
    assert (
        mine.confirmed and "Certificate has been revoked, reason: CA_COMPROMISE" in mine.confirmed
    )
    others = [j for j in report.javas if "pid " not in j.java]
    assert others and all(j.ok for j in others), "a default JVM connects to a revoked chain"
