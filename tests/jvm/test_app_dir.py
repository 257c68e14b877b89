"""The truststore an application really uses: its start scripts, its JRE, its running JVM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import keytool_import, serving, waiting_jvm

pytestmark = pytest.mark.jvm
SECRET = "Jira-S3cret!"


def _jira(tmp: Path, java: str, store: Path) -> Path:
    """A Jira-like folder: bin/setenv.sh with the trust options, and a bundled jre/."""
    app = tmp / "atlassian" / "jira"
    (app / "bin").mkdir(parents=True)
    (app / "bin" / "setenv.sh").write_text(
        "#!/bin/sh\n"
        'JVM_SUPPORT_RECOMMENDED_ARGS="-Djavax.net.ssl.trustStore='
        f"{store} -Djavax.net.ssl.trustStorePassword='{SECRET}'\"\n"
        "export JVM_SUPPORT_RECOMMENDED_ARGS\n"
    )
    (app / "jre").symlink_to(Path(java).resolve().parent.parent)
    return app


def _probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "sslpoke", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("option", ["--app-dir", "--java"])
def test_app_folder_gives_its_own_truststore_and_java(
    option: str, keytool: str, java: str, lab: Lab, tmp_path: Path
) -> None:
    scenario = lab.scenarios()["trusted"]()
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    store = tmp_path / "jira.jks"
    keytool_import(keytool, store, root, "lab-root", "jks", password=SECRET)
    app = _jira(tmp_path, java, store)
    with serving(scenario) as server:
        data = _probe("localhost", str(server.port), option, str(app))
    assert data["ok"] is True, data["problems"]
    assert data["truststore"]["location"] == str(store)  # type: ignore[index]
    assert str(app / "jre") in str(data["java_rules"])


def test_a_running_jvm_with_another_store_is_named(
    keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    """sslpoke checked the default cacerts; the application's JVM uses its own store."""
    scenario = lab.scenarios()["trusted"]()
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    store = tmp_path / "app.jks"
    keytool_import(keytool, store, root, "lab-root", "jks")
    with waiting_jvm(java, probe_classes, store, "changeit") as jvm, serving(scenario) as server:
        data = _probe("localhost", str(server.port))
    assert data["ok"] is False
    (warning,) = [p for p in data["problems"] if p["code"] == "several-javas"]  # type: ignore[union-attr, index]
    assert f"PID {jvm.pid}" in warning["message"] and str(store) in warning["message"]
    assert "--java " in warning["fix"]  # the first JVM listed (others may run on this machine)


def test_a_keystore_used_as_truststore_is_recognised(
    keytool: str, lab: Lab, tmp_path: Path
) -> None:
    """Tomcat's keystore (one PrivateKeyEntry) given as trustStore: say so, import nothing into it."""
    store = tmp_path / "tomcat.jks"
    subprocess.run(
        [
            keytool,
            "-genkeypair",
            "-alias",
            "tomcat",
            "-keyalg",
            "EC",
            "-dname",
            "CN=tomcat",
            "-keystore",
            str(store),
            "-storetype",
            "jks",
            "-storepass",
            "changeit",
            "-keypass",
            "changeit",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        data = _probe("localhost", str(server.port), "--truststore", str(store))
    codes = [p["code"] for p in data["problems"]]  # type: ignore[union-attr, index]
    assert data["ok"] is False and "keystore-as-truststore" in codes, codes
    assert all(not p["commands"] for p in data["problems"])  # type: ignore[union-attr, index]


def test_kafka_properties_give_the_truststore_and_the_fix_keeps_them(
    keytool: str, lab: Lab, tmp_path: Path
) -> None:
    """Kafka names its truststore in client.properties (ssl.truststore.*): sslpoke reads the
    store there, with its password, says where it found it, and never prints the password."""
    scenario = lab.scenarios()["trusted"]()
    store = tmp_path / "client.truststore.p12"
    kafka = tmp_path / "kafka"
    (kafka / "config").mkdir(parents=True)
    (kafka / "config" / "client.properties").write_text(
        f"security.protocol=SSL\nssl.truststore.location={store}\n"
        f"ssl.truststore.type=PKCS12\nssl.truststore.password={SECRET}\n"
    )
    other, root = tmp_path / "other.pem", tmp_path / "root.pem"
    other.write_bytes(lab.other_root.pem)
    root.write_bytes(lab.root.pem)
    keytool_import(keytool, store, other, "other", "pkcs12", password=SECRET)
    with serving(scenario) as server:
        before = _probe("localhost", str(server.port), "--app-dir", str(kafka))
        keytool_import(keytool, store, root, "lab-root", "pkcs12", password=SECRET)
        after = _probe("localhost", str(server.port), "--app-dir", str(kafka))
    assert before["ok"] is False
    assert before["truststore"]["location"] == str(store)  # type: ignore[index]
    assert "client.properties" in before["truststore"]["origin"]  # type: ignore[index]
    assert after["ok"] is True, after["problems"]
    assert SECRET not in json.dumps(before) + json.dumps(after)
