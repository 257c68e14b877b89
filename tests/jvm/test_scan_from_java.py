"""`sslpoke scan --from-java PID` on a real running JVM: the endpoints its -D options and
its application folder name, read from the real /proc, then scanned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
