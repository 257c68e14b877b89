"""Reading truststores: formats, passwords, and every way a file can be unusable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sslpoke.errors import StoreError
from sslpoke.lab.scenarios import Lab
from sslpoke.stores import StoreType, jks, load_truststore
from tests.conftest import as_nobody, write_p12, write_pem


def test_pem_bundle_and_der(lab: Lab, tmp_path: Path) -> None:
    bundle = write_pem([lab.root, lab.other_root], tmp_path / "bundle.pem")
    assert len(load_truststore(bundle).entries) == 2
    der = tmp_path / "root.der"
    der.write_bytes(lab.root.der)
    loaded = load_truststore(der)
    assert loaded.type is StoreType.DER and loaded.entries[0].cert.der == lab.root.der


def test_directory_with_hashed_names_counts_each_cert_once(lab: Lab, tmp_path: Path) -> None:
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "root.pem").write_bytes(lab.root.pem)
    (folder / "5ed36f99.0").symlink_to(folder / "root.pem")
    (folder / "other.crt").write_bytes(lab.other_root.pem)
    (folder / "README").write_text("not a certificate")
    loaded = load_truststore(folder)
    assert loaded.type is StoreType.DIRECTORY and len(loaded.entries) == 2


def test_pkcs12_written_by_cryptography(lab: Lab, tmp_path: Path) -> None:
    store = write_p12([lab.root], tmp_path / "t.p12")
    assert load_truststore(store).type is StoreType.PKCS12  # no password: tries changeit
    with pytest.raises(StoreError, match="password is wrong or the file was modified"):
        load_truststore(store, password="nope")


def test_pkcs12_without_encryption(lab: Lab, tmp_path: Path) -> None:
    data = pkcs12.serialize_java_truststore(
        [pkcs12.PKCS12Certificate(lab.root.cert, b"lab")], serialization.NoEncryption()
    )
    path = tmp_path / "open.p12"
    path.write_bytes(data)
    assert [e.alias for e in load_truststore(path).entries] == ["lab"]


def test_jks_written_then_read(lab: Lab, tmp_path: Path) -> None:
    data = jks.serialize(jks.JKS_MAGIC, [jks.cert_record("Lab-Root", lab.root.der, 0)], "secret")
    path = tmp_path / "t.jks"
    path.write_bytes(data)
    loaded = load_truststore(path, password="secret")
    assert loaded.entries[0].alias == "lab-root"  # Java's lower-case aliases
    unverified = load_truststore(path)  # no password: read unverified, as Java does, and say so
    assert not unverified.password_checked and "integrity not verified" in unverified.notes[0]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),  # says "the file is empty (0 bytes)"
        (b"\xfe\xed\xfe\xed\x00\x00\x00\x02\x00\x00\x00\x05", "corrupt"),  # truncated JKS
        (b"\x30\x03\x02\x01\x03", "corrupt"),  # a PKCS#12 header and nothing else
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "empty"),
        (b"just some text\n", "corrupt"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "store"
    path.write_bytes(content)
    with pytest.raises(StoreError) as error:
        load_truststore(path)
    assert error.value.reason == reason
    assert str(path) in str(error.value)


def test_missing_and_unreadable(tmp_path: Path, lab: Lab) -> None:
    with pytest.raises(StoreError) as missing:
        load_truststore(tmp_path / "nope.jks")
    assert missing.value.reason == "not-found"
    plain_file = write_pem([lab.root], tmp_path / "plain.pem")
    with pytest.raises(StoreError) as not_a_dir:  # unreadable even for root
        load_truststore(plain_file / "inside")
    assert not_a_dir.value.reason == "unreadable"


def _read_reason(path: Path) -> str:
    try:
        load_truststore(path)
    except StoreError as exc:
        return exc.reason
    return "read"


def test_permission_denied(tmp_path: Path, lab: Lab) -> None:
    locked = write_pem([lab.root], tmp_path / "locked.pem")
    assert _read_reason(locked) == "read"  # also imports all a read needs, before any setuid
    locked.chmod(0)
    # root reads anything: then ask as 'nobody', in a forked child
    reason = _read_reason(locked) if os.geteuid() != 0 else as_nobody(lambda: _read_reason(locked))
    assert reason == "unreadable"
