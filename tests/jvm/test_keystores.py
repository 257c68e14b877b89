"""Truststores made by the real keytool (and openssl) are read the way Java reads them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sslpoke.errors import StoreError
from sslpoke.lab.scenarios import Lab
from sslpoke.stores import EntryKind, StoreType, jks, load_truststore
from tests.conftest import keytool_import, passwordless_pkcs12, skip_or_fail_in_ci

pytestmark = pytest.mark.jvm


@pytest.fixture
def root_pem(lab: Lab, tmp_path: Path) -> Path:
    path = tmp_path / "root.pem"
    path.write_bytes(lab.root.pem)
    return path


@pytest.mark.parametrize(
    ("storetype", "expected"),
    [("jks", StoreType.JKS), ("pkcs12", StoreType.PKCS12), ("jceks", StoreType.JCEKS)],
)
def test_keytool_stores(
    keytool: str, root_pem: Path, tmp_path: Path, storetype: str, expected: StoreType
) -> None:
    store = tmp_path / f"trust.{storetype}"
    keytool_import(keytool, store, root_pem, "lab-root", storetype)
    loaded = load_truststore(store, password="changeit")
    assert loaded.type is expected
    assert [(e.alias, e.kind) for e in loaded.entries] == [("lab-root", EntryKind.TRUSTED)]
    assert loaded.password_checked
    with pytest.raises(StoreError) as wrong:
        load_truststore(store, password="wrong-password")
    assert wrong.value.reason == "wrong-password"


def test_keytool_key_entry_counts_as_anchor(keytool: str, root_pem: Path, tmp_path: Path) -> None:
    store = tmp_path / "server.p12"
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
            "pkcs12",
            "-storepass",
            "changeit",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    keytool_import(keytool, store, root_pem, "lab-root", "pkcs12")
    kinds = {e.alias: e.kind for e in load_truststore(store).entries}
    assert kinds == {"tomcat": EntryKind.KEY, "lab-root": EntryKind.TRUSTED}


def test_passwordless_pkcs12_like_jdk18_cacerts(
    keytool: str, root_pem: Path, tmp_path: Path
) -> None:
    source = tmp_path / "src.jks"
    keytool_import(keytool, source, root_pem, "lab-root", "jks")
    target = tmp_path / "cacerts"
    passwordless_pkcs12(keytool, source, target)
    for password in (None, "changeit"):
        loaded = load_truststore(target, password=password)
        assert loaded.type is StoreType.PKCS12 and [e.alias for e in loaded.entries] == ["lab-root"]


def test_openssl_nokeys_pkcs12_is_empty_for_java(root_pem: Path, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is part of the base system"
    store = tmp_path / "openssl.p12"
    subprocess.run(
        [
            openssl,
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            str(root_pem),
            "-out",
            str(store),
            "-passout",
            "pass:changeit",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with pytest.raises(StoreError) as empty:
        load_truststore(store, password="changeit")
    assert empty.value.reason == "empty"
    assert "trusted-certificate attribute" in str(empty.value)


def test_debian_cacerts_round_trip_is_byte_identical() -> None:
    cacerts = Path("/etc/ssl/certs/java/cacerts")
    if not cacerts.is_file() or not jks.is_jks(cacerts.read_bytes()):
        skip_or_fail_in_ci(
            "no JKS system cacerts on this machine (Debian's ca-certificates-java provides one)"
        )
    data = cacerts.read_bytes()
    parsed = jks.parse(data, "changeit", str(cacerts))
    assert jks.serialize(parsed.magic, [e.record for e in parsed.entries], "changeit") == data
    assert len(load_truststore(cacerts).entries) == len(parsed.entries) > 100
