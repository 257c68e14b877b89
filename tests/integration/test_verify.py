"""``sslpoke verify``: the same diagnosis offline, from files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from sslpoke.lab.pki import issue
from sslpoke.lab.scenarios import Lab


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", "verify", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def files(lab: Lab, tmp_path: Path) -> dict[str, Path]:
    leaf = lab.leaf()
    out = {
        "leaf": tmp_path / "leaf.pem",
        "inter": tmp_path / "inter.pem",
        "root": tmp_path / "root.pem",
        "chain": tmp_path / "chain.pem",
    }
    out["leaf"].write_bytes(leaf.pem)
    out["inter"].write_bytes(lab.inter.pem)
    out["root"].write_bytes(lab.root.pem)
    out["chain"].write_bytes(leaf.pem + lab.inter.pem)
    (tmp_path / "leaf.der").write_bytes(leaf.der)
    out["der"] = tmp_path / "leaf.der"
    p7 = tmp_path / "chain.p7b"
    p7.write_bytes(
        pkcs7.serialize_certificates([leaf.cert, lab.inter.cert], serialization.Encoding.PEM)
    )
    out["p7b"] = p7
    p12 = tmp_path / "server.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"server",
            leaf.key,
            leaf.cert,
            [lab.inter.cert],
            serialization.BestAvailableEncryption(b"changeit"),
        )
    )
    out["p12"] = p12
    return out


@pytest.mark.parametrize(
    "inputs",
    [
        ["{leaf}", "{inter}"],
        ["{chain}"],
        ["{leaf}", "--intermediates", "{inter}"],
        ["{der}", "--intermediates", "{inter}"],
        ["{p7b}"],
        ["{p12}", "--alias", "server", "--intermediates", "{inter}"],
    ],
)
def test_trusted_inputs(files: dict[str, Path], inputs: list[str]) -> None:
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in inputs]
    done = verify(*args, "--truststore", str(files["root"]), "--host", "localhost")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Trusted")


def test_name_checks(files: dict[str, Path]) -> None:
    base = [str(files["chain"]), "--truststore", str(files["root"])]
    assert verify(*base, "--host", "127.0.0.1").returncode == 0
    wrong = verify(*base, "--host", "other.example", "--json")
    assert wrong.returncode == 1
    assert json.loads(wrong.stdout)["problems"][0]["code"] == "hostname-mismatch"
    assert verify(*base).returncode == 0  # no --host: no name check


def test_missing_intermediate_offline(files: dict[str, Path]) -> None:
    done = verify(str(files["leaf"]), "--truststore", str(files["root"]), "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 1 and data["kind"] == "verify"
    assert data["problems"][0]["code"] == "incomplete-chain"


@pytest.mark.parametrize(
    ("shift", "code"), [(timedelta(days=3650), "expired"), (timedelta(days=-30), "not-yet-valid")]
)
def test_at_time(files: dict[str, Path], shift: timedelta, code: str) -> None:
    when = (datetime.now(UTC) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = verify(str(files["chain"]), "--truststore", str(files["root"]), "--at", when, "--json")
    assert done.returncode == 1
    assert code in [p["code"] for p in json.loads(done.stdout)["problems"]]


def test_crl_revocation(lab: Lab, tmp_path: Path) -> None:
    leaf = lab.leaf()
    now = datetime.now(UTC)

    def crl(serials: list[int], *, numbered: bool = True) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(lab.inter.cert.subject)
            .last_update(now - timedelta(hours=1))
            .next_update(now + timedelta(days=1))
        )
        if numbered:
            builder = builder.add_extension(x509.CRLNumber(7), critical=False)
        for serial in serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - timedelta(minutes=5))
                .build()
            )
        return builder.sign(lab.inter.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    chain = tmp_path / "chain.pem"
    chain.write_bytes(leaf.pem + lab.inter.pem)
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    revoked, clean = tmp_path / "revoked.crl", tmp_path / "clean.crl"
    revoked.write_bytes(crl([leaf.cert.serial_number]))
    clean.write_bytes(crl([12345]))
    done = verify(str(chain), "--truststore", str(root), "--crl", str(revoked), "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["problems"][0]["code"] == "revoked"
    assert verify(str(chain), "--truststore", str(root), "--crl", str(clean)).returncode == 0
    unnumbered = tmp_path / "unnumbered.crl"
    unnumbered.write_bytes(crl([], numbered=False))  # RFC 5280 requires a CRLNumber
    done = verify(str(chain), "--truststore", str(root), "--crl", str(unnumbered), "--json")
    problem = json.loads(done.stdout)["problems"][0]
    assert (
        done.returncode == 1 and problem["code"] == "bad-crl" and "CRLNumber" in problem["message"]
    )


def test_max_depth(files: dict[str, Path]) -> None:
    base = [str(files["chain"]), "--truststore", str(files["root"])]
    assert verify(*base, "--max-depth", "1").returncode == 0
    done = verify(*base, "--max-depth", "0", "--json")
    assert (
        done.returncode == 1 and json.loads(done.stdout)["problems"][0]["code"] == "chain-too-long"
    )


def test_profiles_differ_on_sha1(lab: Lab, tmp_path: Path) -> None:
    leaf = lab.leaf(lab.root, hash_name="sha1")
    path = tmp_path / "leaf.pem"
    path.write_bytes(leaf.pem)
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    java = verify(str(path), "--truststore", str(root), "--json")
    webpki = verify(str(path), "--truststore", str(root), "--profile", "webpki", "--json")
    assert java.returncode == 0 and json.loads(java.stdout)["problems"][0]["severity"] == "warning"
    assert (
        webpki.returncode == 1
        and json.loads(webpki.stdout)["problems"][0]["code"] == "weak-signature"
    )


def test_bad_inputs(files: dict[str, Path], tmp_path: Path) -> None:
    assert (
        verify(str(files["p12"]), "--truststore", str(files["root"])).returncode == 2
    )  # keystore without --alias
    crl = tmp_path / "not.crl"
    crl.write_text("nope")
    done = verify(str(files["chain"]), "--truststore", str(files["root"]), "--crl", str(crl))
    assert done.returncode == 2 and "not a CRL" in done.stderr
    assert verify(str(files["chain"]), "--max-depth", "-1").returncode == 2


def test_pathological_chain_is_bounded(lab: Lab, tmp_path: Path) -> None:
    # 40 CAs with one subject and 40 keys, each signed by the next: the search must stay bounded.
    cas = [issue("Loop CA", ca=True)]
    for _ in range(39):
        cas.append(issue("Loop CA", cas[-1], ca=True))
    leaf = issue("localhost", cas[-1], sans=["localhost"])
    chain = tmp_path / "chain.pem"
    chain.write_bytes(leaf.pem + b"".join(c.pem for c in reversed(cas)))
    root = tmp_path / "root.pem"
    root.write_bytes(lab.root.pem)
    done = verify(str(chain), "--truststore", str(root), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"]


def test_pkcs12_key_entry_keeps_its_chain(lab: Lab, tmp_path: Path) -> None:
    """verify keystore.p12 --alias tomcat: the entry's CA certificates are bags without an
    alias; Java rebuilds the chain by issuer name, and so must sslpoke (no false incomplete-chain)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from sslpoke.certfiles import load_certificates

    leaf = lab.leaf()
    data = pkcs12.serialize_key_and_certificates(
        b"tomcat",
        leaf.key,
        leaf.cert,
        [lab.inter.cert, lab.root.cert],
        serialization.BestAvailableEncryption(b"changeit"),
    )
    store = tmp_path / "keystore.p12"
    store.write_bytes(data)
    certs = load_certificates(store, alias="tomcat", password="changeit")
    assert [c.display_name for c in certs] == [leaf.name, lab.inter.name, lab.root.name]
    roots = tmp_path / "root.pem"
    roots.write_bytes(lab.root.pem)
    from sslpoke import verify

    report = verify(certs[:1], intermediates=certs[1:], truststore=roots, reference=False)
    assert report.ok, [(p.code, p.message) for p in report.problems]


def test_offline_verify_does_not_talk_about_a_server(lab: Lab, tmp_path: Path) -> None:
    from sslpoke import verify

    roots = tmp_path / "root.pem"
    roots.write_bytes(lab.root.pem)
    report = verify([lab.leaf().c], truststore=roots, reference=False)
    (problem,) = report.errors
    assert problem.code.value == "incomplete-chain"
    assert "Only the certificate itself was given" in problem.message
    assert "server sent" not in problem.message
