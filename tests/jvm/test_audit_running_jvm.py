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


def test_probe_of_a_jvm_that_checks_revocation(lab: Lab, java: str, tmp_path: Path) -> None:
    """`sslpoke HOST --java PID --revocation --confirm`: the diagnosed JVM checks
    revocation (its own -D options and java.security.properties file), so the revoked
    intermediate is an error; the same JVM, asked, refuses the chain too."""
    import json
    import subprocess
    import sys

    from tests.conftest import keytool_import

    with responder() as r:
        inter, leaf, args = hierarchy(lab, r.url, tmp_path)
        answer_revoked_intermediate(r, lab, inter, leaf)
        store = tmp_path / "trust.p12"
        keytool_import("keytool", store, tmp_path / "root.pem", "root", "pkcs12")
        security = tmp_path / "ocsp.security"
        security.write_text("ocsp.enable=true\n")
        options = (
            "-Dcom.sun.net.ssl.checkRevocation=true",
            f"-Djava.security.properties={security}",
            f"-Djavax.net.ssl.trustStore={store}",
            "-Djavax.net.ssl.trustStorePassword=changeit",
        )
        with running_jvm(java, tmp_path, *options) as pid, s_server(*args) as port:
            done = subprocess.run(
                [sys.executable, "-m", "sslpoke", "localhost", str(port), "--java", str(pid),
                 "--revocation", "--confirm", "--json"],
                capture_output=True, text=True, timeout=180,
            )  # fmt: skip
    data = json.loads(done.stdout)
    assert done.returncode == 1 and not data["ok"], done.stderr
    (revoked,) = [p for p in data["problems"] if p["code"] == "revoked"]
    assert revoked["severity"] == "error" and "checks revocation and fails" in revoked["message"]
    assert "CA_COMPROMISE" in revoked["message"] and "Pointed Intermediate CA" in revoked["message"]
    confirmation = data["java_confirmation"]
    assert confirmation["ok"] is False, confirmation
    assert "Certificate has been revoked" in json.dumps(confirmation), confirmation


@pytest.mark.parametrize(
    ("option", "server", "code"),
    [
        ("-Djdk.tls.namedGroups=secp384r1", ["-tls1_3", "-groups", "ffdhe2048"],
         "java-no-common-group"),
        ("-Djdk.tls.client.cipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
         ["-no_tls1_3", "-cipher", "AES128-GCM-SHA256:AES256-SHA"], "java-no-common-suite"),
    ],
)  # fmt: skip
def test_a_running_jvm_is_judged_with_its_groups_and_suites(
    option: str,
    server: list[str],
    code: str,
    java: str,
    pki: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    """The other handshake options of a running JVM, each confirmed by that JVM's own
    handshake with the same option: sslpoke's verdict and Java's agree."""
    with running_jvm(java, tmp_path, option) as pid, s_server(*_rsa(pki), *server) as port:
        report = sslpoke.audit(
            "localhost", port, truststore=str(pki["root"]), javas="local", confirm=True
        )
    (mine,) = [j for j in report.javas if f"pid {pid} " in j.java]
    assert not mine.ok and mine.code == code, mine
    assert option in mine.source
    assert mine.confirmed is not None and mine.confirmed.startswith("FAIL"), mine.confirmed
    installed = [j for j in report.javas if "pid " not in j.java and "17." in j.java]
    assert installed and all(j.ok == j.confirmed.startswith("OK") for j in installed if j.confirmed)
