"""Could not connect or could not shake hands: each with its own code, exit code 3, quickly."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.problems import Code
from tests.conftest import write_pem
from tests.rawservers import banner, close_at_once, http_error, raw_server, silent, tls_alert


@pytest.fixture
def store(lab: Lab, tmp_path: Path) -> Path:
    return write_pem([lab.root], tmp_path / "trust.pem")


def only_error(report: sslpoke.Report) -> sslpoke.Code:
    assert not report.ok
    assert report.exit_code == 3, [(p.code, p.message) for p in report.problems]
    return report.errors[0].code


def test_connection_refused(store: Path) -> None:
    with socket.socket() as holder:  # a bound port nobody listens on
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2)
    assert only_error(report) is Code.CONNECTION_REFUSED
    assert str(port) in report.errors[0].message


def test_timeout_is_bounded(store: Path) -> None:
    with raw_server(silent) as port:
        started = time.monotonic()
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=0.5)
        elapsed = time.monotonic() - started
    assert only_error(report) is Code.TIMEOUT
    assert elapsed < 3


def test_plain_http_quotes_the_server(store: Path) -> None:
    with raw_server(http_error) as port:
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2)
    assert only_error(report) is Code.PROTOCOL_MISMATCH  # a plain-text protocol on this port
    assert "HTTP/1.1 400 Bad Request" in report.errors[0].message


def binary_reply(conn: socket.socket) -> None:
    """Neither TLS nor a text protocol: a binary answer to the TLS hello."""
    conn.recv(65536)
    conn.sendall(b"\x00\x07\x00\x00RFB?\xff\xfe junk")
    conn.close()


def test_not_tls(store: Path) -> None:
    with raw_server(binary_reply) as port:
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2)
    assert only_error(report) is Code.NOT_TLS
    assert "RFB?" in report.errors[0].message  # what the server said, made printable


def test_plaintext_banner_is_a_protocol_mismatch(store: Path) -> None:
    with raw_server(banner(b"220 mail.example ESMTP ready\r\n")) as port:
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2, no_starttls=True)
    assert only_error(report) is Code.PROTOCOL_MISMATCH
    assert "220 mail.example ESMTP ready" in report.errors[0].message


def test_handshake_failure_alert(store: Path) -> None:
    with raw_server(tls_alert) as port:
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2)
    assert only_error(report) is Code.HANDSHAKE_FAILURE
    assert "handshake failure" in report.errors[0].message


def test_server_closes_at_once(store: Path) -> None:
    with raw_server(close_at_once) as port:
        report = sslpoke.probe("127.0.0.1", port, truststore=store, timeout=2)
    assert only_error(report) is Code.HANDSHAKE_FAILURE


def test_dns_failure(store: Path) -> None:
    # No network beyond loopback: the resolver is replaced, the rest of the probe is real.
    def no_such_host(host: str, port: int, **_: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    report = sslpoke.probe(
        "no-such-host.invalid", 443, truststore=store, timeout=2, resolver=no_such_host
    )
    assert only_error(report) is Code.DNS_FAILURE
    assert "no-such-host.invalid" in report.errors[0].message


def test_client_cert_required_still_analyses_chain(lab: Lab, tmp_path: Path) -> None:
    from tests.conftest import serving

    scenario = lab.scenarios()["client-cert-required"]()
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    with serving(scenario) as server:
        report = sslpoke.probe("localhost", server.port, truststore=store, timeout=3)
    assert only_error(report) is Code.CLIENT_CERT_REQUIRED
    assert len(report.chain) == 2 and report.path[-1].role.value == "anchor"


def test_connection_failed_other_errors(store: Path) -> None:
    # An address the kernel refuses to route (link-local IPv6 without a scope): EINVAL, no packet leaves.
    def link_local(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1", port, 0, 0))]

    report = sslpoke.probe(
        "unroutable.example", 443, truststore=store, timeout=2, resolver=link_local
    )
    assert only_error(report) is Code.CONNECTION_FAILED
    assert "[fe80::1]:443" in report.errors[0].message
