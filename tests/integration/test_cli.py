"""The command line as users meet it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, write_p12, write_pem


def sslpoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sslpoke", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert done.returncode == code, done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sslpoke: error:"), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def trusted_server(lab: Lab):  # type: ignore[no-untyped-def]
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        yield scenario, server


def test_success_prints_successfully_connected(trusted_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario, server = trusted_server
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    done = sslpoke("localhost", str(server.port), "--truststore", str(store))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[0] == "Successfully connected"
    assert "\x1b[" not in done.stdout  # no colour when not on a terminal


@pytest.mark.parametrize("form", ["host port", "host:port", "url", "ipv4"])
def test_target_forms(trusted_server, tmp_path: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    scenario, server = trusted_server
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    args = {
        "host port": ["localhost", str(server.port)],
        "host:port": [f"localhost:{server.port}"],
        "url": [f"https://localhost:{server.port}/some/path"],
        "ipv4": ["127.0.0.1", str(server.port), "--servername", "localhost"],
    }[form]
    done = sslpoke(*args, "--truststore", str(store))
    assert done.returncode == 0, done.stdout


def test_java_flags_pasted_verbatim(trusted_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario, server = trusted_server
    store = write_p12(scenario.trust, tmp_path / "t.p12", password=b"s3cret")
    done = sslpoke(
        "localhost",
        str(server.port),
        f"-Djavax.net.ssl.trustStore={store}",
        "-Djavax.net.ssl.trustStorePassword=s3cret",
        "-Djavax.net.ssl.trustStoreType=PKCS12",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "s3cret" not in done.stdout + done.stderr  # passwords are never printed
    assert str(store) in done.stdout


def test_json_schema(lab: Lab, tmp_path: Path) -> None:
    scenario = lab.scenarios()["unknown-root"]()
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    with serving(scenario) as server:
        done = sslpoke("localhost", str(server.port), "--truststore", str(store), "--json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["schema_version"] == 1 and data["ok"] is False and data["exit_code"] == 1
    assert {"target", "truststore", "chain", "path", "problems", "tls"} <= set(data)
    problem = data["problems"][0]
    assert set(problem) >= {"code", "severity", "cert_index", "message", "fix", "commands"}
    assert problem["code"] == "unknown-ca" and problem["severity"] == "error"
    assert data["chain"][0]["sha256"].count(":") == 31
    assert data["truststore"]["entries"] == 1


def test_could_not_connect_exit_3(tmp_path: Path, lab: Lab) -> None:
    store = write_pem([lab.root], tmp_path / "t.pem")
    done = sslpoke("127.0.0.1", "1", "--truststore", str(store), "--timeout", "2")
    assert done.returncode == 3 and "connection-refused" in done.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["example.com", "0"], ("invalid port 0",)),
        (["example.com", "http"], ("invalid port 'http'",)),
        (["exa mple.com"], ("invalid host name",)),
        (["ftp2://example.com"], ("unknown URL scheme",)),
        (["example.com:443", "444"], ("two different ports",)),
        (["example.com", "--timeout", "-1"], ("--timeout",)),
        (["example.com", "--timeout", "nan"], ("give a positive number of seconds",)),
        (["explain", "{leaf}", "--timeout", "inf"], ("give a positive number of seconds",)),
        (["audit", "example.com", "--timeout", "0"], ("give a positive number of seconds",)),
        (["scan", "{leaf}", "--rate", "nan"], ("argument --rate: give a positive number",)),
        (["scan", "{leaf}", "--concurrency", "0"], ("--concurrency: give a whole number from 1",)),
        (["scan", "{leaf}", "--per-host", "-3"], ("--per-host: give a whole number from 1",)),
        (["scan", "{zero}", "-q"], ("nothing to scan: ", "zero.pem: no target in it")),
        (["scan", "--from-app-dir", "{dir}", "-q"], ("--from-app-dir", "names no endpoint")),
        (["example.com", "--truststore", "/nonexistent/cacerts"], ("no such file",)),
        (["example.com", "--profile", "chrome"], ("invalid choice",)),
        (["verify", "/nonexistent/leaf.pem"], ("no such file",)),
        (["verify", "{leaf}", "--at", "yesterday"], ("--at",)),
        (["verify", "{zero}"], ("the file is empty (0 bytes)",)),
        (["verify", "{leaf}", "--truststore", "{zero}"], ("the file is empty (0 bytes)",)),
        (["localhost", "1", "--source-address", "192.0.2.7"], ("not an address of this machine",)),
    ],
)
def test_bad_usage_is_one_line(
    args: list[str], needles: tuple[str, ...], tmp_path: Path, lab: Lab
) -> None:
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(lab.leaf().pem)
    zero = tmp_path / "zero.pem"
    zero.write_bytes(b"")
    filled = (
        a.replace("{leaf}", str(leaf)).replace("{zero}", str(zero)).replace("{dir}", str(tmp_path))
        for a in args
    )
    assert_one_line_error(sslpoke(*filled), 2, *needles)


def test_bad_store_files(tmp_path: Path, lab: Lab) -> None:
    corrupt = tmp_path / "corrupt.jks"
    corrupt.write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02\x00\x00\x00\x09garbage")
    assert_one_line_error(sslpoke("example.com", "--truststore", str(corrupt)), 2, "corrupt")
    p12 = write_p12([lab.root], tmp_path / "t.p12")
    assert_one_line_error(
        sslpoke("example.com", "--truststore", str(p12), "--storepass", "wrong"),
        2,
        "password is wrong or the file was modified",
    )
    keyonly = tmp_path / "key.pem"
    keyonly.write_bytes(lab.root.key_pem)
    assert_one_line_error(sslpoke("example.com", "--truststore", str(keyonly)), 2, "no certificate")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert_one_line_error(
        sslpoke("example.com", "--truststore", str(empty_dir)), 2, "holds no trusted certificates"
    )


def test_verify_rejects_non_certificate(tmp_path: Path, lab: Lab) -> None:
    keyonly = tmp_path / "key.pem"
    keyonly.write_bytes(lab.root.key_pem)
    assert_one_line_error(sslpoke("verify", str(keyonly)), 2, "no certificate")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 100)
    assert_one_line_error(sslpoke("verify", str(junk)), 2, "not a certificate")


def test_version_and_help() -> None:
    assert sslpoke("--version").stdout.startswith("sslpoke ")
    done = sslpoke("--help")
    assert done.returncode == 0 and "Exit codes" in done.stdout


def test_save_chain_refuses_a_file_and_never_follows_symlinks(lab: Lab, tmp_path: Path) -> None:
    from sslpoke.analysis import write_chain
    from sslpoke.errors import InputError

    chain = [lab.leaf().c, lab.inter.c]
    a_file = tmp_path / "a-file"
    a_file.write_text("keep")
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_chain(chain, a_file)
    folder = tmp_path / "chain"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    from sslpoke.stores.model import alias_for

    (folder / f"0-{alias_for(chain[0])}.pem").symlink_to(victim)
    written = write_chain(chain, folder)
    assert victim.read_text() == "untouched"
    assert not written[0].is_symlink() and written[0].read_text().startswith("-----BEGIN")


def test_save_chain_to_a_file_is_one_line(trusted_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario, server = trusted_server
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    a_file = tmp_path / "a-file"
    a_file.write_text("keep")
    done = sslpoke(
        "localhost", str(server.port), "--truststore", str(store), "--save-chain", str(a_file)
    )
    assert_one_line_error(done, 2, "--save-chain", "is a file")
    assert a_file.read_text() == "keep"


def test_java_text_names_the_host_and_the_ip(lab: Lab, tmp_path: Path) -> None:
    """'Java reports this as' quotes Java with the real name; an IP mismatch uses Java's IP text."""
    from sslpoke.lab.scenarios import Scenario

    leaf = lab.leaf(sans=["localhost"])  # no IP address in its SAN
    scenario = Scenario("ip", "ip", [leaf, lab.inter], [lab.root], None)
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    with serving(scenario) as server:
        by_ip = json.loads(
            sslpoke("127.0.0.1", str(server.port), "--truststore", str(store), "--json").stdout
        )
    missing = json.loads(sslpoke("no-such-host.invalid", "--json", "--timeout", "2").stdout)
    assert by_ip["problems"][0]["code"] == "hostname-mismatch"
    assert by_ip["java_says"] == (
        "javax.net.ssl.SSLHandshakeException: No subject alternative names matching "
        "IP address 127.0.0.1 found"
    )
    assert missing["java_says"] == "java.net.UnknownHostException: no-such-host.invalid"
