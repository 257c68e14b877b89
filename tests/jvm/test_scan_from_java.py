"""`sslpoke scan --from-java PID` on a real running JVM: the endpoints its -D options and
its application folder name, read from the real /proc, then scanned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, write_p12
from tests.jvm.test_audit_running_jvm import running_jvm

pytestmark = pytest.mark.jvm


def test_scan_the_endpoints_a_jvm_names(java: str, tmp_path: Path) -> None:
    home = tmp_path / "jira-home"
    home.mkdir()
    (home / "dbconfig.xml").write_text(
        "<jira-database-config><url>jdbc:postgresql://localhost:2/jira</url></jira-database-config>"
    )
    out = tmp_path / "out.jsonl"
    with running_jvm(
        java, tmp_path, f"-Djira.home={home}", "-Dldap.url=ldaps://localhost:1"
    ) as pid:
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", "--from-java", str(pid), "--system",
             "--jsonl", str(out), "-q", "--timeout", "5"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr  # nothing listens there: not trusted
    specs = {json.loads(line)["spec"]: json.loads(line) for line in out.read_text().splitlines()}
    assert set(specs) == {"ldaps://localhost:1", "postgres://localhost:2"}, specs
    assert all(r["problems"][0]["code"] == "connection-refused" for r in specs.values())


def test_not_a_jvm_is_one_line(tmp_path: Path) -> None:
    import os

    done = subprocess.run(
        [sys.executable, "-m", "sslpoke", "scan", "--from-java", str(os.getpid()), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "not a Java process" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_jvms_endpoints_are_judged_with_its_own_truststore(
    java: str, lab: Lab, tmp_path: Path
) -> None:
    """`scan --from-java PID` with no store named: the JVM's own truststore (its
    -Djavax.net.ssl.trustStore), as `--java PID` chooses it — not the java on PATH's,
    which does not trust the application's private root."""
    store = write_p12([lab.root], tmp_path / "app-trust.p12")
    out = tmp_path / "out.jsonl"
    with serving(lab.scenarios()["trusted"]()) as server, running_jvm(
        java, tmp_path, f"-Djavax.net.ssl.trustStore={store}",
        "-Djavax.net.ssl.trustStorePassword=changeit",
        f"-Dapp.url=https://localhost:{server.port}/",
    ) as pid:  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", "--from-java", str(pid), "--jsonl", str(out), "-q"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr + out.read_text()
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["ok"] and record["truststore"]["location"] == str(store)


def test_an_installation_folders_endpoints_are_judged_with_its_truststore(
    lab: Lab, tmp_path: Path
) -> None:
    """`scan --from-app-dir DIR` on an installation folder: its setenv.sh's truststore,
    as `--app-dir DIR` reads it. A folder that is only configuration (a Jira home) keeps
    the java on PATH's, quietly."""
    store = write_p12([lab.root], tmp_path / "app-trust.p12")
    app = tmp_path / "jira"
    (app / "bin").mkdir(parents=True)
    (app / "bin" / "setenv.sh").write_text(
        f'JVM_SUPPORT_RECOMMENDED_ARGS="-Djavax.net.ssl.trustStore={store} '
        '-Djavax.net.ssl.trustStorePassword=changeit"\n'
    )
    home = tmp_path / "jira-home"
    home.mkdir()
    with serving(lab.scenarios()["trusted"]()) as server:
        for folder in (app, home):
            (folder / "app.properties").write_text(f"base.url=https://localhost:{server.port}/\n")
        runs = {}
        for folder in (app, home):
            runs[folder.name] = subprocess.run(
                [sys.executable, "-m", "sslpoke", "scan", "--from-app-dir", str(folder),
                 "--jsonl", str(tmp_path / f"{folder.name}.jsonl"), "-q"],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
    assert runs["jira"].returncode == 0, runs["jira"].stderr
    (record,) = map(json.loads, (tmp_path / "jira.jsonl").read_text().splitlines())
    assert record["truststore"]["location"] == str(store)
    assert runs["jira-home"].returncode == 1 and runs["jira-home"].stderr == ""
    (other,) = map(json.loads, (tmp_path / "jira-home.jsonl").read_text().splitlines())
    assert other["truststore"]["location"] != str(store)
