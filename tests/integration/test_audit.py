"""``sslpoke audit`` against real ``openssl s_server`` processes, one setup each.

Two judges: ``openssl s_client`` says, suite by suite and version by version,
what each server accepts (the enumeration must say the same), and the two real
JVMs say whether they connect (each computed Java verdict must agree).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sslpoke.audit import wire
from sslpoke.audit.run import audit_server
from sslpoke.audit.suites import suites
from sslpoke.lab.scenarios import Lab

OPENSSL = "openssl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def s_server(*args: str) -> Iterator[int]:
    """An openssl s_server on loopback; ready when it accepts a TCP connection."""
    port = _free_port()
    proc = subprocess.Popen(
        [OPENSSL, "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-quiet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"s_server died: {proc.stderr.read().decode()[:300]}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                with contextlib.suppress(subprocess.TimeoutExpired):  # wait on the process
                    proc.wait(timeout=0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def pki(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from cryptography.hazmat.primitives import serialization

    d = tmp_path_factory.mktemp("audit-pki")
    out = {}
    for kind, key in (("rsa", "rsa"), ("ec", "ec")):
        leaf = lab.leaf(key=key)
        (d / f"{kind}.pem").write_bytes(leaf.pem)
        (d / f"{kind}.key").write_bytes(
            leaf.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        out[kind] = d / f"{kind}.pem"
        out[f"{kind}-key"] = d / f"{kind}.key"
    (d / "root.pem").write_bytes(lab.root.pem)
    (d / "chain.pem").write_bytes(lab.inter.pem)
    out["chain"] = d / "chain.pem"
    out["root"] = d / "root.pem"
    return out


def _rsa(pki: dict[str, Path]) -> list[str]:
    return ["-cert", str(pki["rsa"]), "-key", str(pki["rsa-key"]), "-cert_chain", str(pki["chain"])]


SCENARIOS = {
    "default": [],
    "tls13-only": ["-tls1_3"],
    "tls10-only": ["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
    "static-rsa-only": ["-no_tls1_3", "-cipher", "AES128-GCM-SHA256:AES256-SHA"],
    "server-order": ["-no_tls1_3", "-serverpref", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES256-SHA"],
    "ffdhe-only": ["-tls1_3", "-groups", "ffdhe2048"],
}  # fmt: skip


def s_client_accepts(port: int, version: int, suite: str) -> bool:
    """Does ``openssl s_client`` complete a handshake offering only this suite?"""
    flag = {
        wire.TLS10: "-tls1",
        wire.TLS11: "-tls1_1",
        wire.TLS12: "-tls1_2",
        wire.TLS13: "-tls1_3",
    }[version]
    which = (
        ["-ciphersuites", suite] if version == wire.TLS13 else ["-cipher", f"{suite}:@SECLEVEL=0"]
    )
    done = subprocess.run(
        [
            OPENSSL,
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            flag,
            *which,
            "-servername",
            "localhost",
        ],
        input=b"",
        capture_output=True,
        timeout=20,
    )
    return b"Cipher is (NONE)" not in done.stdout and b"New, " in done.stdout


def _openssl_names(version: int) -> list[str]:
    """Every suite the local OpenSSL can offer at this version, by OpenSSL name."""
    if version == wire.TLS13:
        return ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
    flag = "-tls1_2" if version == wire.TLS12 else "-tls1"
    done = subprocess.run(
        [OPENSSL, "ciphers", "-s", flag, "ALL:@SECLEVEL=0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [n for n in done.stdout.strip().split(":") if not n.startswith("TLS_")]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_enumeration_equals_what_openssl_s_client_accepts(name: str, pki: dict[str, Path]) -> None:
    with s_server(*_rsa(pki), *SCENARIOS[name]) as port:
        report = audit_server("localhost", port, truststore=str(pki["root"]), javas="reference")
        e = report.enumeration
        table = suites()
        for version in (wire.TLS10, wire.TLS12, wire.TLS13):
            got = {table[c].openssl or table[c].name for c in e.versions[version].suites}
            want = {n for n in _openssl_names(version) if s_client_accepts(port, version, n)}
            assert got == want, (name, wire.VERSION_NAMES[version], got ^ want)
    assert e.connections < 120, e.connections
    if name == "server-order":
        assert e.versions[wire.TLS12].server_order is True
        assert [table[c].openssl for c in e.versions[wire.TLS12].suites] == [
            "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "AES256-SHA",
        ]  # fmt: skip
    if name == "ffdhe-only":
        assert e.tls13_groups == (0x0100,)


@pytest.mark.jvm
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_java_verdicts_confirmed_by_the_real_jvms(
    name: str, pki: dict[str, Path], java: str
) -> None:
    """Each JVM of this machine (Debian's OpenJDK 17 and a Java 25) is judged, then asked."""
    with s_server(*_rsa(pki), *SCENARIOS[name]) as port:
        report = audit_server(
            "localhost", port, truststore=str(pki["root"]), javas="local", confirm=True
        )
    javas = [j for j in report.javas if " 17." in j.java or " 25." in j.java]
    assert any(" 17." in j.java for j in javas), [j.java for j in report.javas]
    for j in javas:
        assert j.confirmed is not None and not j.confirmed.startswith("not confirmed"), j
        assert j.ok == j.confirmed.startswith("OK"), (name, j.java, j.code, j.reason, j.confirmed)
    by = {("17" if " 17." in j.java else "25"): j for j in javas}
    if name == "static-rsa-only":
        assert by["17"].ok and "25" in by and not by["25"].ok
        assert by["25"].code == "java-no-common-suite"
    if name == "tls10-only":
        assert all(j.code == "java-no-common-protocol" for j in javas)


def test_reference_javas_on_known_setups(pki: dict[str, Path]) -> None:
    with s_server(*_rsa(pki), *SCENARIOS["tls13-only"]) as port:
        r13 = audit_server("localhost", port, truststore=str(pki["root"]), javas="reference")
    codes = {j.java: j.code for j in r13.javas}
    assert codes["Java 8u291+"] == "java-tls13-off-by-default"
    assert codes["Java 8u202"] == "java-no-common-protocol"
    assert codes["Java 8u341+"] == codes["Java 17.0.x"] == codes["Java 25"] == "ok"
    with s_server(*_rsa(pki), *SCENARIOS["tls10-only"]) as port:
        r10 = audit_server("localhost", port, truststore=str(pki["root"]), javas="reference")
    ok = {j.java for j in r10.javas if j.ok}
    assert ok == {"Java 8u161", "Java 8u202", "Java 11.0.2"}
    assert any(f.id == "TLSv1" for f in r10.findings) and r10.grade.grade[0] in "BCF"


def test_dual_certificates(pki: dict[str, Path]) -> None:
    args = [*_rsa(pki), "-dcert", str(pki["ec"]), "-dkey", str(pki["ec-key"])]
    args += ["-dcert_chain", str(pki["chain"]), "-no_tls1_3"]
    with s_server(*args) as port:
        report = audit_server("localhost", port, truststore=str(pki["root"]), javas="reference")
    assert set(report.enumeration.certificates) == {"RSA", "ECDSA"}


def test_cli_outputs(pki: dict[str, Path]) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    with s_server(*_rsa(pki), *SCENARIOS["static-rsa-only"]) as port:
        base = [
            sys.executable,
            "-m",
            "sslpoke",
            "audit",
            "localhost",
            str(port),
            "--truststore",
            str(pki["root"]),
            "--javas",
            "reference",
        ]
        text = subprocess.run(base, capture_output=True, text=True, timeout=60, env=env)
        js = subprocess.run([*base, "--json"], capture_output=True, text=True, timeout=60, env=env)
        csv_out = subprocess.run(
            [*base, "--csv"], capture_output=True, text=True, timeout=60, env=env
        )
    assert text.returncode == 1 and "✗ Java 25  java-no-common-suite" in text.stdout, text.stdout
    data = json.loads(js.stdout)
    assert data["kind"] == "audit" and data["exit_code"] == 1
    assert sorted(data["protocols"]["TLSv1.2"]["suites"]) == [
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
    ]
    header = csv_out.stdout.splitlines()[0]
    assert header == '"id","fqdn/ip","port","severity","finding","cve","cwe","hint"'
    assert '"cipherlist_static_RSA"' in csv_out.stdout


def test_nothing_listening_is_exit_3() -> None:
    port = _free_port()
    done = subprocess.run(
        [sys.executable, "-m", "sslpoke", "audit", "127.0.0.1", str(port), "--javas", "reference", "--timeout", "2"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr


def test_hsts_for_https_targets(pki: dict[str, Path]) -> None:
    from sslpoke.audit.run import _hsts_age, _hsts_findings

    with s_server(*_rsa(pki)) as port:
        report = audit_server(
            f"https://localhost:{port}/", truststore=str(pki["root"]), javas="reference"
        )
    assert report.hsts == ""  # openssl s_server -www sends none
    assert any(f.id == "HSTS" and f.severity == "LOW" for f in report.findings)
    assert report.grade.grade == "A-", report.grade
    assert _hsts_age('max-age="31536000"; includeSubDomains') == 31536000
    assert _hsts_findings("max-age=600")[0].id == "HSTS_time"
    assert _hsts_findings("max-age=63072000")[0].severity == "OK"
