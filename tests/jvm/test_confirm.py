"""``--java`` and ``--confirm``: mirror one JVM's truststore, and ask that JVM for its own verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sslpoke
from sslpoke.java.discovery import find_javas
from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, waiting_jvm, write_p12

pytestmark = pytest.mark.jvm


def sslpoke_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize(
    ("name", "trusted"), [("trusted", True), ("unknown-root", False), ("expired", False)]
)
def test_confirm_agrees_with_java(
    lab: Lab, tmp_path: Path, java: str, name: str, trusted: bool
) -> None:
    scenario = lab.scenarios()[name]()
    store = write_p12(scenario.trust, tmp_path / "t.p12")
    with serving(scenario) as server:
        done = sslpoke_cli(
            "localhost",
            str(server.port),
            "--truststore",
            str(store),
            "--storepass",
            "changeit",
            "--confirm",
            "--json",
        )
    data = json.loads(done.stdout)
    confirmation = data["java_confirmation"]
    assert confirmation["ok"] is trusted and confirmation["agrees"] is True, confirmation
    assert data["ok"] is trusted
    assert "DISAGREEMENT" not in done.stderr


def test_confirm_text_names_the_jvm(lab: Lab, tmp_path: Path, java: str) -> None:
    scenario = lab.scenarios()["wrong-host"]()
    store = write_p12(scenario.trust, tmp_path / "t.p12")
    with serving(scenario) as server:
        strict = sslpoke_cli("localhost", str(server.port), "--truststore", str(store), "--confirm")
        lenient = sslpoke_cli(
            "localhost",
            str(server.port),
            "--truststore",
            str(store),
            "--confirm",
            "--no-hostname-check",
        )
    assert "Java's own verdict" in strict.stdout and "Java agrees with sslpoke" in strict.stdout
    assert "No subject alternative DNS name matching localhost found" in strict.stdout
    assert strict.returncode == 1 and lenient.returncode == 0 and "sslpoke mode" in lenient.stdout


def test_java_path_uses_that_jvms_store(lab: Lab, tmp_path: Path) -> None:
    """Every installed JVM: sslpoke reads its default truststore (none trusts the lab root)."""
    scenario = lab.scenarios()["trusted"]()
    installs = find_javas()
    assert installs, "sslpoke finds no Java, though the tests' JVM is installed"
    with serving(scenario) as server:
        for install in installs:
            done = sslpoke_cli("localhost", str(server.port), "--java", str(install.java), "--json")
            data = json.loads(done.stdout)
            assert data["truststore"]["location"] == str(install.store.path)
            assert str(install.home) in data["truststore"]["origin"]
            assert data["problems"][0]["code"] == "unknown-ca"


def test_java_pid_mirrors_a_running_jvm(
    lab: Lab, tmp_path: Path, java: str, probe_classes: Path
) -> None:
    scenario = lab.scenarios()["trusted"]()
    store = write_p12(scenario.trust, tmp_path / "app.p12", password=b"s3cret")
    with serving(scenario) as server, waiting_jvm(java, probe_classes, store, "s3cret") as jvm:
        done = sslpoke_cli("localhost", str(server.port), "--java", str(jvm.pid), "--confirm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(store) in done.stdout and "Java agrees with sslpoke" in done.stdout
    assert "s3cret" not in done.stdout + done.stderr


def test_confirm_never_puts_a_password_on_the_java_command_line(
    lab: Lab, tmp_path: Path, java: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's argv is readable by every local user (/proc/PID/cmdline): the store's
    password (from SSLPOKE_STOREPASS or a pasted -D flag) must reach Java another way."""
    import subprocess as sp

    from sslpoke.java import confirm

    secret = "Not-Changeit-7"
    scenario = lab.scenarios()["trusted"]()
    store = write_p12(scenario.trust, tmp_path / "t.p12", password=secret.encode())
    seen: list[tuple[list[str], str]] = []
    real_run = sp.run

    def spy(cmd: list[str], *args: object, **kwargs: object) -> object:
        if any("SSLPokeProbe" in str(c) for c in cmd):
            seen.append(([str(c) for c in cmd], str(kwargs.get("input", ""))))
        return real_run(cmd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(confirm.subprocess, "run", spy)
    request = sslpoke.StoreRequest(
        java_args=(
            f"-Djavax.net.ssl.trustStore={store}",
            f"-Djavax.net.ssl.trustStorePassword={secret}",
        ),
        env={},
    )
    with serving(scenario) as server:
        report = sslpoke.probe(
            "localhost", server.port, truststore=request, timeout=5, reference=False
        )
        verdict = confirm.confirm_for(report, request, None, timeout=10)
    assert report.ok and verdict.ok, verdict.detail  # Java opened the store: it got the password
    (cmd, stdin), *_ = seen
    assert not any(secret in part for part in cmd), cmd
    assert secret in stdin
