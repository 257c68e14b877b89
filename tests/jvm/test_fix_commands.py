"""Printed fixes are pasted and run, as an admin would, and then the JVM is asked.

The usual Jira setup: the truststore has its own password, given to the JVM with
-Djavax.net.ssl.trustStorePassword. Every printed command must work when pasted
(the password exported once in SSLPOKE_STOREPASS, never typed into a command
line), must name the store the way it was found (the -D flags, --java ...), and
must never contain the password.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import keytool_import, run_java_probe, serving

pytestmark = pytest.mark.jvm
SECRET = "Jira-S3cret!"


def _sslpoke(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def _paste(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a printed command in a shell, as an admin pastes it (sslpoke from this checkout)."""
    if command.startswith("sslpoke "):
        command = f"{sys.executable} -m {command}"
    return subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", **env},
    )


@pytest.mark.parametrize("which", ["sslpoke", "keytool"])
def test_pasted_fix_makes_java_connect(
    which: str, keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    scenario = lab.scenarios()["unknown-root"]()
    store = tmp_path / "app.jks"
    other = tmp_path / "other.pem"
    other.write_bytes(lab.other_root.pem)
    keytool_import(keytool, store, other, "other", "jks", password=SECRET)
    flags = [f"-Djavax.net.ssl.trustStore={store}", f"-Djavax.net.ssl.trustStorePassword={SECRET}"]
    with serving(scenario) as server:
        before = run_java_probe(java, probe_classes, server.port, store, password=SECRET)
        assert before["https"].startswith("FAIL")
        done = _sslpoke("localhost", str(server.port), *flags, "--json", cwd=tmp_path)
        report = json.loads(done.stdout)
        commands = [c for p in report["problems"] for c in p["commands"]]
        assert commands and not any(SECRET in c for c in commands), commands
        assert SECRET not in done.stdout + done.stderr
        # The admin gets the root's certificate (here: the lab's) under the name the fix uses.
        wanted = next(c for c in commands if c.startswith("sslpoke trust --cert ")).split()[3]
        (tmp_path / wanted).write_bytes(lab.root.pem)
        chosen = next(
            c
            for c in commands
            if (c.startswith("sslpoke trust") if which == "sslpoke" else "keytool -importcert" in c)
        )
        if which == "sslpoke":
            chosen += " --yes"  # the prompt, answered
        pasted = _paste(chosen, tmp_path, SSLPOKE_STOREPASS=SECRET)
        assert pasted.returncode == 0, (chosen, pasted.stdout, pasted.stderr)
        after = run_java_probe(java, probe_classes, server.port, store, password=SECRET)
    assert after["https"].startswith("OK"), after


def _empty_store(kind: str, keytool: str, lab: Lab, folder: Path) -> Path:
    other = folder / "other.pem"
    other.write_bytes(lab.other_root.pem)
    if kind == "empty-jks":
        store = folder / "empty.jks"
        keytool_import(keytool, store, other, "x", "jks")
        subprocess.run(
            [keytool, "-delete", "-alias", "x", "-keystore", str(store), "-storepass", "changeit"],
            check=True,
            capture_output=True,
        )
        return store
    store = folder / "nokeys.p12"  # certificates without Java's trusted attribute
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            str(other),
            "-out",
            str(store),
            "-passout",
            "pass:changeit",
        ],
        check=True,
        capture_output=True,
    )
    return store


@pytest.mark.parametrize("kind", ["empty-jks", "openssl-nokeys-p12"])
def test_empty_truststore_is_a_diagnosis_and_trust_fills_it(
    kind: str, keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    scenario = lab.scenarios()["trusted"]()
    store = _empty_store(kind, keytool, lab, tmp_path)
    with serving(scenario) as server:
        java_says = run_java_probe(java, probe_classes, server.port, store)
        assert "trustAnchors parameter must be non-empty" in java_says["https"], java_says
        done = _sslpoke(
            "localhost", str(server.port), "--truststore", str(store), "--json", cwd=tmp_path
        )
        assert done.returncode == 1, done.stderr
        report = json.loads(done.stdout)
        (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
        assert problem["code"] == "empty-truststore"
        command = next(c for c in problem["commands"] if c.startswith("sslpoke trust --cert"))
        (tmp_path / command.split()[3]).write_bytes(lab.root.pem)
        pasted = _paste(command + " --yes", tmp_path)
        assert pasted.returncode == 0, pasted.stderr
        after = run_java_probe(java, probe_classes, server.port, store)
    assert after["https"].startswith("OK"), after


def test_renewed_self_signed_certificate(
    keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    """Last year's self-signed certificate is trusted; the server now has a new one, same name."""
    from sslpoke.lab.pki import issue
    from sslpoke.lab.scenarios import Scenario

    old = issue("localhost", sans=["localhost"], ca=False)
    new = issue("localhost", sans=["localhost"], ca=False)
    old_pem = tmp_path / "old.pem"
    old_pem.write_bytes(old.pem)
    store = tmp_path / "app.jks"
    keytool_import(keytool, store, old_pem, "app-server", "jks")
    scenario = Scenario("renewed", "renewed", [new], [old], None)
    with serving(scenario) as server:
        assert run_java_probe(java, probe_classes, server.port, store)["https"].startswith("FAIL")
        done = _sslpoke(
            "localhost", str(server.port), "--truststore", str(store), "--json", cwd=tmp_path
        )
        report = json.loads(done.stdout)
        (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
        assert problem["code"] == "certificate-renewed", problem
        assert "'app-server'" in problem["message"]
        command = next(c for c in problem["commands"] if c.startswith("sslpoke trust"))
        assert command.endswith("--replace")
        pasted = _paste(command + " --yes", tmp_path)
        assert pasted.returncode == 0, pasted.stdout + pasted.stderr
        assert "replaces app-server" in pasted.stdout
        after = run_java_probe(java, probe_classes, server.port, store)
    assert after["https"].startswith("OK"), after
    listing = subprocess.run(
        [keytool, "-list", "-keystore", str(store), "-storepass", "changeit"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "app-server" not in listing and "trustedCertEntry" in listing


def test_mark_trusted_makes_an_openssl_pkcs12_usable(
    keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    """openssl pkcs12 -export -nokeys leaves out Java's trusted attribute: the certificates are
    there but Java sees none. The printed fix marks them trusted, and Java then connects."""
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    store = tmp_path / "roots.p12"
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            str(root),
            "-out",
            str(store),
            "-passout",
            "pass:changeit",
        ],
        check=True,
        capture_output=True,
    )
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        assert (
            "trustAnchors parameter must be non-empty"
            in run_java_probe(java, probe_classes, server.port, store)["https"]
        )
        report = json.loads(
            _sslpoke(
                "localhost", str(server.port), "--truststore", str(store), "--json", cwd=tmp_path
            ).stdout
        )
        (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
        assert problem["code"] == "empty-truststore"
        command = problem["commands"][0]
        assert command.startswith("sslpoke trust --mark-trusted")
        pasted = _paste(command + " --yes --json", tmp_path)
        assert pasted.returncode == 0, pasted.stderr
        done = json.loads(pasted.stdout)
        assert done["action"] == "mark-trusted" and len(done["marked"]) == 1 and done["written"]
        after = run_java_probe(java, probe_classes, server.port, store)
    assert after["https"].startswith("OK"), after
    listing = subprocess.run(
        [keytool, "-list", "-keystore", str(store), "-storepass", "changeit"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "trustedCertEntry" in listing and "1 entry" in listing
