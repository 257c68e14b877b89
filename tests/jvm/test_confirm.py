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


def test_confirm_keeps_the_diagnosis_when_java_cannot_be_asked(tmp_path: Path, java: str) -> None:
    """No TLS connection: the report is printed as always, plus one line saying why."""
    from tests.rawservers import close_at_once, raw_server

    with raw_server(close_at_once) as port:
        text = sslpoke_cli("127.0.0.1", str(port), "--confirm", "--timeout", "3")
        done = sslpoke_cli("127.0.0.1", str(port), "--confirm", "--json", "--timeout", "3")
    assert text.returncode == 3 and "Java not asked: there was no TLS connection" in text.stdout
    data = json.loads(done.stdout)
    assert data["exit_code"] == 3 and data["problems"]
    assert data["java_confirmation"] == {
        "ran": False,
        "reason": "there was no TLS connection to confirm",
    }


def test_confirm_with_a_pem_truststore(lab: Lab, tmp_path: Path, java: str) -> None:
    """Java cannot load a PEM truststore: it is asked with a PKCS#12 copy, and told so."""
    from tests.conftest import write_pem

    scenario = lab.scenarios()["trusted"]()
    store = write_pem(scenario.trust, tmp_path / "roots.pem")
    with serving(scenario) as server:
        done = sslpoke_cli(
            "localhost", str(server.port), "--truststore", str(store), "--confirm", "--json"
        )
    confirmation = json.loads(done.stdout)["java_confirmation"]
    assert confirmation["ok"] and confirmation["agrees"], confirmation
    assert "Java cannot use a PEM file as a truststore" in confirmation["note"]


def test_confirm_on_a_jre_without_a_compiler(lab: Lab, tmp_path: Path, java: str) -> None:
    """A jlink runtime (as many applications bundle) has no jdk.compiler: the probe, compiled
    once to Java 8 bytecode with another JDK's javac, still runs there."""
    jlink = Path(java).resolve().parent / "jlink"
    if not jlink.exists():
        pytest.fail(f"no jlink next to {java}: the JDK the tests install has one")
    jre = tmp_path / "jre"
    subprocess.run(
        [
            str(jlink),
            "--add-modules",
            "java.base,jdk.crypto.ec",
            "--output",
            str(jre),
            "--no-header-files",
            "--no-man-pages",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    scenario = lab.scenarios()["trusted"]()
    store = write_p12(scenario.trust, tmp_path / "t.p12")
    env_cache = tmp_path / "cache"
    with serving(scenario) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sslpoke",
                "localhost",
                str(server.port),
                f"-Djavax.net.ssl.trustStore={store}",
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "--java",
                str(jre / "bin" / "java"),
                "--confirm",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "XDG_CACHE_HOME": str(env_cache)},
        )
    confirmation = json.loads(done.stdout)["java_confirmation"]
    assert confirmation.get("ran", True) and confirmation["ok"], confirmation
    assert str(jre) in confirmation["java"]
    assert list(env_cache.glob("sslpoke/probe-*/SSLPokeProbe.class"))
