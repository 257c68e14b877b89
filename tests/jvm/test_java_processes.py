"""Discovery against the JDKs really installed here, and a real running JVM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.java.discovery import find_javas, read_process
from sslpoke.lab.scenarios import Lab
from sslpoke.stores import jks
from tests.conftest import waiting_jvm

pytestmark = pytest.mark.jvm


def test_real_jdks_and_the_command(lab: Lab) -> None:
    """The JDKs really installed on this machine (the CI installs one)."""
    found = find_javas()
    assert found, "no Java found; ./bootstrap installs one"
    for j in found:
        assert (j.home / "lib" / "security").is_dir() or (j.home / "jre").is_dir()
        assert j.store.type in ("jks", "pkcs12") or j.store.error
    done = subprocess.run(
        [sys.executable, "-m", "sslpoke", "java", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    data = json.loads(done.stdout)
    assert {j["java_home"] for j in data["javas"]} == {str(j.home) for j in found}


def test_running_jvm_is_found(tmp_path: Path, lab: Lab, java: str, probe_classes: Path) -> None:
    store = tmp_path / "app.jks"
    store.write_bytes(
        jks.serialize(jks.JKS_MAGIC, [jks.cert_record("root", lab.root.der, 0)], "hunter2")
    )
    with waiting_jvm(java, probe_classes, store, "hunter2") as jvm:
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "java"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert f"PID {jvm.pid}" in done.stdout and str(store) in done.stdout
        assert "hunter2" not in done.stdout
        process = read_process(jvm.pid)
        assert process is not None and process.store.path == store and process.store.entries == 1
