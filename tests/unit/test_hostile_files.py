"""Every byte of a certificate or keystore may be hostile: mutated inputs give a clear error
or a verdict, never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import sslpoke
from sslpoke.errors import SslpokeError
from sslpoke.lab.scenarios import Lab
from sslpoke.pki.certs import Cert, CertificateParseError
from sslpoke.stores import TrustEntry, TrustStore, jks, load_truststore
from sslpoke.stores.model import StoreType
from tests.conftest import write_p12


def mutations(data: bytes, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            choice = rng.random()
            pos = rng.randrange(len(buf))
            if choice < 0.6:
                buf[pos] = rng.randrange(256)
            elif choice < 0.8:
                del buf[pos : pos + rng.randint(1, 16)]
            else:
                buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        out.append(bytes(buf))
    return out


def test_mutated_certificates_never_crash_the_validator(lab: Lab) -> None:
    store = TrustStore(StoreType.PEM, (TrustEntry(lab.root.c),), None, "test")
    leaf = lab.leaf()
    verdicts = 0
    for data in mutations(leaf.der, 300, seed=7) + mutations(lab.inter.der, 200, seed=8):
        try:
            cert = Cert(data)
        except CertificateParseError:
            continue
        report = sslpoke.verify(
            [cert, lab.inter.c], truststore=store, host="localhost", reference=False
        )
        assert report.exit_code in (0, 1) and report.ok == (not report.errors)
        verdicts += 1
    assert verdicts > 50  # enough mutants parse to exercise the validator


@pytest.mark.parametrize("kind", ["jks", "p12"])
def test_mutated_keystores_give_store_errors(lab: Lab, tmp_path: Path, kind: str) -> None:
    if kind == "jks":
        original = jks.serialize(
            jks.JKS_MAGIC, [jks.cert_record("root", lab.root.der, 0)], "changeit"
        )
    else:
        original = write_p12([lab.root, lab.other_root], tmp_path / "base.p12").read_bytes()
    path = tmp_path / "store"
    for data in mutations(original, 150, seed=11):
        path.write_bytes(data)
        try:
            store = load_truststore(path, password="changeit")
        except SslpokeError:
            continue
        assert store.entries


def _with_mac_iterations(p12: bytes, iterations: int) -> bytes:
    """The same PKCS#12 file with its MAC iteration count replaced (re-encoded, lengths fixed)."""
    from sslpoke import asn1

    pfx = asn1.read_tlv(p12)
    parts = list(asn1.children(p12, pfx))
    mac = parts[2]
    mac_parts = list(asn1.children(p12, mac))
    new_mac = asn1.seq(mac_parts[0].raw(p12), mac_parts[1].raw(p12), asn1.integer(iterations))
    return asn1.seq(parts[0].raw(p12), parts[1].raw(p12), new_mac)


def test_pkcs12_iteration_bomb_is_refused_at_once(lab: Lab, tmp_path: Path) -> None:
    """2**31-1 MAC rounds ran for minutes; keytool refuses more than 5,000,000, so does sslpoke."""
    import time

    store = write_p12([lab.root], tmp_path / "ok.p12")
    bomb = tmp_path / "bomb.p12"
    bomb.write_bytes(_with_mac_iterations(store.read_bytes(), 2**31 - 1))
    started = time.monotonic()
    with pytest.raises(SslpokeError, match="iteration count 2147483647 is out of range"):
        load_truststore(bomb, password="changeit")
    assert time.monotonic() - started < 2
    from sslpoke.stores import pkcs12

    original = pkcs12.parse(store.read_bytes(), "changeit", "ok.p12").mac_iterations
    fine = tmp_path / "fine.p12"
    fine.write_bytes(_with_mac_iterations(store.read_bytes(), original))
    assert len(load_truststore(fine, password="changeit").entries) == 1  # only the bomb trips


def test_inputs_that_used_to_be_tracebacks(lab: Lab, tmp_path: Path) -> None:
    from sslpoke import asn1
    from sslpoke.certfiles import load_certificates
    from sslpoke.errors import CertificateFileError

    der = bytearray(lab.leaf().der)
    at = der.find(b"\xa0\x03\x02\x01\x02")
    der[at + 4] = 4  # version field 5
    v5 = tmp_path / "v5.der"
    v5.write_bytes(bytes(der))
    with pytest.raises(CertificateFileError, match="version field 5"):
        load_certificates(v5)
    data_p7 = tmp_path / "data.p7b"
    data_p7.write_bytes(
        asn1.seq(asn1.oid("1.2.840.113549.1.7.1"), asn1.explicit(0, asn1.octet_string(b"x")))
    )
    with pytest.raises(CertificateFileError, match="not signedData"):
        load_certificates(data_p7)


def test_a_pem_bundle_with_a_broken_block_says_so(lab: Lab, tmp_path: Path) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nMIIBorken==\n-----END CERTIFICATE-----\n"
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(lab.root.pem + broken + lab.other_root.pem)
    store = load_truststore(bundle)
    assert len(store.entries) == 2
    assert any("1 of 3 certificate blocks could not be read" in n for n in store.notes), store.notes
    from sslpoke.certfiles import load_certificates
    from sslpoke.errors import CertificateFileError

    with pytest.raises(CertificateFileError, match="block 2: not valid base64"):
        load_certificates(bundle)  # trust --cert / verify: refused, not read in part


def test_keystore_entry_with_a_corrupt_certificate(tmp_path: Path) -> None:
    """verify store.jks --alias X, when X's certificate bytes are garbage: a clear error."""
    import time

    from sslpoke.certfiles import load_certificates
    from sslpoke.errors import CertificateFileError

    record = jks.cert_record("broken", b"\x30\x03\x02\x01\x01", int(time.time() * 1000))
    store = tmp_path / "store.jks"
    from sslpoke.stores.model import JKS_MAGIC

    store.write_bytes(jks.serialize(JKS_MAGIC, [record], "changeit"))
    with pytest.raises(CertificateFileError, match="certificate of entry 'broken' is corrupt"):
        load_certificates(store, alias="broken", password="changeit")
