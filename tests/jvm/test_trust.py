"""``sslpoke trust``: the seed scenario end to end with the real JVM, every store format,
and the write that never loses a store."""

from __future__ import annotations

import http.server
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sslpoke
from sslpoke.errors import WriteError
from sslpoke.lab.pki import Issued
from sslpoke.lab.scenarios import Lab
from sslpoke.lab.server import TlsServer
from sslpoke.stores import EntryKind, load_truststore
from sslpoke.stores import edit as store_edit
from sslpoke.stores.safe_write import replace_file
from tests.conftest import keytool_import, passwordless_pkcs12, run_java_probe

pytestmark = pytest.mark.jvm


def sslpoke_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={**os.environ, "NO_COLOR": "1"},
    )


def run_keytool(tool: str, *args: str) -> str:
    return subprocess.run(
        [tool, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def app_keystore(tool: str, path: Path, storetype: str, lab: Lab) -> Path:
    """What an application ships: its own key pair, and a CA it already trusts."""
    other = path.parent / "other.pem"
    other.write_bytes(lab.other_root.pem)
    run_keytool(
        tool,
        "-genkeypair",
        "-alias",
        "tomcat",
        "-keyalg",
        "EC",
        "-dname",
        "CN=tomcat",
        "-keystore",
        str(path),
        "-storetype",
        storetype,
        "-storepass",
        "changeit",
        "-keypass",
        "changeit",
    )
    keytool_import(tool, path, other, "other-ca", storetype)
    return path


@pytest.fixture
def server_with_root(lab: Lab) -> Iterator[TlsServer]:
    """A server that sends its whole chain, root included (common with private CAs)."""
    with TlsServer([lab.leaf(), lab.inter, lab.root]) as server:
        yield server


@pytest.mark.parametrize("storetype", ["jks", "pkcs12"])
def test_seed_scenario_java_fails_then_connects(
    keytool: str,
    java: str,
    probe_classes: Path,
    lab: Lab,
    tmp_path: Path,
    server_with_root: TlsServer,
    storetype: str,
) -> None:
    store = app_keystore(keytool, tmp_path / f"app.{storetype}", storetype, lab)
    original = store.read_bytes()
    before = run_java_probe(java, probe_classes, server_with_root.port, store)
    assert before["https"].startswith("FAIL") and "PKIX path building failed" in before["https"]

    done = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(store), "--yes"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Probed again: Successfully connected" in done.stdout
    assert lab.root.c.fingerprint in done.stdout

    after = run_java_probe(java, probe_classes, server_with_root.port, store)
    assert after["https"].startswith("OK"), after
    listing = keytool_list(keytool, store)
    assert "sslpoke-lab-root-ca, " in listing and "trustedCertEntry" in listing
    assert "tomcat, " in listing and "PrivateKeyEntry" in listing and "other-ca, " in listing
    backups = list(tmp_path.glob(f"app.{storetype}.sslpoke-backup-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == original


def keytool_list(tool: str, store: Path) -> str:
    return run_keytool(tool, "-list", "-keystore", str(store), "-storepass", "changeit")


def test_already_trusted_changes_nothing(
    keytool: str, lab: Lab, tmp_path: Path, server_with_root: TlsServer
) -> None:
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    assert (
        sslpoke_cli(
            "trust", "localhost", str(server_with_root.port), "--truststore", str(store), "--yes"
        ).returncode
        == 0
    )
    snapshot = store.read_bytes()
    again = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(store), "--yes"
    )
    assert again.returncode == 0 and "Already trusted" in again.stdout
    assert store.read_bytes() == snapshot
    assert len(list(tmp_path.glob("app.jks.sslpoke-backup-*"))) == 1


def test_passwordless_pkcs12_stays_readable_without_password(
    keytool: str,
    java: str,
    probe_classes: Path,
    lab: Lab,
    tmp_path: Path,
    server_with_root: TlsServer,
) -> None:
    source = app_keystore(keytool, tmp_path / "src.jks", "jks", lab)
    store = tmp_path / "cacerts"
    passwordless_pkcs12(keytool, source, store, "-srcalias", "other-ca")
    assert (
        sslpoke_cli(
            "trust", "localhost", str(server_with_root.port), "--truststore", str(store), "--yes"
        ).returncode
        == 0
    )
    result = subprocess.run(
        [
            java,
            f"-Djavax.net.ssl.trustStore={store}",
            "-cp",
            str(probe_classes),
            "SSLPokeProbe",
            "localhost",
            str(server_with_root.port),
            "--connect",
            "127.0.0.1",
            "--mode",
            "https",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "RESULT https OK" in result.stdout, result.stdout


def test_pem_bundle_keeps_every_byte(lab: Lab, tmp_path: Path, server_with_root: TlsServer) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"# my bundle\n" + lab.other_root.pem)
    original = bundle.read_bytes()
    done = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(bundle), "--yes"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert bundle.read_bytes().startswith(original)
    assert sslpoke.probe("localhost", server_with_root.port, truststore=bundle).ok


def test_remove_list_dry_run_and_prompts(
    keytool: str, lab: Lab, tmp_path: Path, server_with_root: TlsServer
) -> None:
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    snapshot = store.read_bytes()
    dry = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(store), "--dry-run"
    )
    assert dry.returncode == 0 and "Dry run" in dry.stdout and store.read_bytes() == snapshot
    no_tty = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(store)
    )
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr and store.read_bytes() == snapshot
    listing = sslpoke_cli("trust", "--list", "--truststore", str(store))
    assert "other-ca" in listing.stdout and "PrivateKeyEntry" in listing.stdout
    removed = sslpoke_cli("trust", "--remove", "other-ca", "--truststore", str(store), "--yes")
    assert removed.returncode == 0, removed.stderr
    listing = keytool_list(keytool, store)
    assert "other-ca" not in listing and "tomcat" in listing


def test_wrong_password_refuses_to_write(
    keytool: str, lab: Lab, tmp_path: Path, server_with_root: TlsServer
) -> None:
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    snapshot = store.read_bytes()
    done = sslpoke_cli(
        "trust",
        "localhost",
        str(server_with_root.port),
        "--truststore",
        str(store),
        "--storepass",
        "wrong",
        "--yes",
    )
    assert done.returncode in (2, 4) and "password" in done.stderr
    assert store.read_bytes() == snapshot and not list(tmp_path.glob("*.sslpoke-backup-*"))


def test_import_a_given_certificate(keytool: str, lab: Lab, tmp_path: Path) -> None:
    store = app_keystore(keytool, tmp_path / "app.p12", "pkcs12", lab)
    cert = tmp_path / "root.pem"
    cert.write_bytes(lab.root.pem)
    done = sslpoke_cli(
        "trust",
        "--cert",
        str(cert),
        "--alias",
        "Corporate-Root",
        "--truststore",
        str(store),
        "--yes",
    )
    assert done.returncode == 0, done.stderr
    assert "corporate-root, " in keytool_list(
        keytool, store
    )  # aliases are lower case, as Java needs
    kinds = {e.alias: e.kind for e in load_truststore(store, password="changeit").entries}
    assert kinds == {
        "tomcat": EntryKind.KEY,
        "other-ca": EntryKind.TRUSTED,
        "corporate-root": EntryKind.TRUSTED,
    }


@contextmanager
def aia_server(issued: Issued) -> Iterator[str]:
    """An HTTP server on loopback that serves one certificate as DER, like a CA's AIA URL."""
    body = issued.der

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-cert")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/inter.der"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_missing_intermediate(
    java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    with aia_server(lab.inter) as url:
        leaf = lab.leaf(aia_url=url)
        store = tmp_path / "trust.p12"
        from tests.conftest import write_p12

        write_p12([lab.root], store)
        with TlsServer([leaf]) as server:
            refused = sslpoke_cli(
                "trust", "localhost", str(server.port), "--truststore", str(store), "--yes"
            )
            assert refused.returncode != 0 and "--fetch-missing" in refused.stderr
            done = sslpoke_cli(
                "trust",
                "localhost",
                str(server.port),
                "--truststore",
                str(store),
                "--fetch-missing",
                "--yes",
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert "downloaded from its AIA URL" in done.stdout
            assert run_java_probe(java, probe_classes, server.port, store)["https"].startswith("OK")


def test_owner_mode_and_symlink_are_kept(lab: Lab, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    target = real / "cacerts.pem"
    target.write_bytes(lab.other_root.pem)
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    link = tmp_path / "cacerts.pem"
    link.symlink_to(target)
    before = target.stat()
    editable = store_edit.open_for_edit(link, None)
    written = replace_file(link, store_edit.with_certificate(editable, lab.root.c, "lab-root"))
    after = target.stat()
    assert link.is_symlink() and written.path == target
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
    )
    assert written.backup is not None and written.backup.read_bytes() == lab.other_root.pem


def test_failed_rename_leaves_original(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.pem"
    store.write_bytes(lab.other_root.pem)
    original = store.read_bytes()

    def disk_full(self: Path, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", disk_full)
    with pytest.raises(WriteError, match="unchanged"):
        replace_file(store, original + lab.root.pem)
    assert store.read_bytes() == original
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store.pem.sslpoke-")]


def test_process_killed_mid_write_leaves_original(
    keytool: str, lab: Lab, tmp_path: Path, server_with_root: TlsServer
) -> None:
    """A real fault: the file-size limit kills sslpoke while it writes the new store (after the backup)."""
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    original = store.read_bytes()
    limit = len(original) + 16  # the backup fits, the larger new store does not

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sslpoke",
            "trust",
            "localhost",
            str(server_with_root.port),
            "--truststore",
            str(store),
            "--yes",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size,
        env={**os.environ, "NO_COLOR": "1"},
    )
    # Killed by SIGXFSZ, or (if that signal is ignored) a clean "could not write" with exit code 4.
    assert done.returncode in (-signal.SIGXFSZ, 4), (done.returncode, done.stderr)
    assert store.read_bytes() == original
    backups = list(tmp_path.glob("app.jks.sslpoke-backup-*"))
    temporaries = list(tmp_path.glob(".app.jks.sslpoke-*[!k]"))
    if done.returncode == 4:  # unwound: no stray backup, no temporary file
        assert backups == [] and temporaries == [], (backups, temporaries)
    else:  # killed outright: whatever is left is the intact original
        assert all(b.read_bytes() == original for b in backups)


def test_keytool_reads_what_sslpoke_wrote_from_scratch(
    keytool: str, lab: Lab, tmp_path: Path
) -> None:
    """A JKS assembled entirely by sslpoke is a valid keystore for keytool."""
    from sslpoke.stores import jks

    store = tmp_path / "fresh.jks"
    store.write_bytes(
        jks.serialize(jks.JKS_MAGIC, [jks.cert_record("Lab-Root", lab.root.der, 0)], "changeit")
    )
    listing = keytool_list(keytool, store)
    assert "Your keystore contains 1 entry" in listing and "lab-root, " in listing
    assert shutil.which("keytool")


def test_certificate_directory_gets_a_new_file(
    lab: Lab, tmp_path: Path, server_with_root: TlsServer
) -> None:
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "other.pem").write_bytes(lab.other_root.pem)
    done = sslpoke_cli(
        "trust", "localhost", str(server_with_root.port), "--truststore", str(folder), "--yes"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    added = folder / "sslpoke-lab-root-ca.pem"
    assert added.read_bytes() == lab.root.pem and added.stat().st_mode & 0o777 == 0o644
    assert (folder / "other.pem").read_bytes() == lab.other_root.pem
    assert sorted(p.name for p in folder.iterdir()) == ["other.pem", "sslpoke-lab-root-ca.pem"]
    assert "openssl rehash" in done.stdout and "Successfully connected" in done.stdout


def test_trust_names_the_running_jvm_to_restart(
    keytool: str, java: str, probe_classes: Path, lab: Lab, tmp_path: Path
) -> None:
    """A running JVM read its truststore at start-up: after the write, sslpoke names it."""
    from tests.conftest import waiting_jvm

    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    other_store = app_keystore(keytool, tmp_path / "elsewhere.jks", "jks", lab)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(lab.root.pem)
    with (
        waiting_jvm(java, probe_classes, store, "changeit") as jvm,
        waiting_jvm(java, probe_classes, other_store, "changeit") as unrelated,
    ):
        done = sslpoke_cli("trust", "--cert", str(ca), "--truststore", str(store), "--yes")
    assert done.returncode == 0, done.stderr
    assert "Restart this JVM" in done.stdout
    assert f"PID {jvm.pid}" in done.stdout and f"PID {unrelated.pid}" not in done.stdout


def test_trust_without_a_visible_jvm_still_says_restart(
    keytool: str, lab: Lab, tmp_path: Path
) -> None:
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(lab.root.pem)
    done = sslpoke_cli("trust", "--cert", str(ca), "--truststore", str(store), "--yes")
    assert done.returncode == 0 and "Restart the application" in done.stdout


def test_trust_json(keytool: str, lab: Lab, tmp_path: Path) -> None:
    """--json: one object on stdout (the text goes to stderr), for scripts."""
    store = app_keystore(keytool, tmp_path / "app.jks", "jks", lab)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(lab.root.pem)
    done = sslpoke_cli("trust", "--cert", str(ca), "--truststore", str(store), "--yes", "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["ok"] and data["action"] == "import" and data["written"]
    (imported,) = data["imported"]
    assert imported["sha256"] == lab.root.c.fingerprint and Path(data["backup"]).is_file()
    assert isinstance(data["restart"], list) and "Imported." in done.stderr
    listing = json.loads(
        sslpoke_cli("trust", "--list", "--truststore", str(store), "--json").stdout
    )
    assert imported["alias"] in {e["alias"] for e in listing["entries"]}
    again = json.loads(
        sslpoke_cli(
            "trust", "--cert", str(ca), "--truststore", str(store), "--yes", "--json"
        ).stdout
    )
    assert again["action"] == "already-trusted" and not again["written"]
