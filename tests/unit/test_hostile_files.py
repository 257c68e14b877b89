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
