"""Every STARTTLS dialect against a peer that trickles and one that floods.

A trickling peer sends one more continuation line (or byte run) every 0.2 s,
forever: each one used to reset the deadline, so sslpoke ran past --timeout. A
flooding peer sends as fast as it can: sslpoke used to read it into memory
until it failed. Both must end within the timeout (plus a little) with a
connection-level finding, exit code 3, and no exception.
"""

from __future__ import annotations

import contextlib
import socket
import time

import pytest

import sslpoke
from tests.rawservers import raw_server

# What the peer says first (before streaming), and the unit it repeats forever.
XMPP_OPEN = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
)
DIALECTS: dict[str, tuple[bytes, bytes]] = {
    "smtp": (b"", b"220-still greeting\r\n"),
    "ftp": (b"", b"220-still greeting\r\n"),
    "imap": (b"* OK ready\r\n", b"* still talking\r\n"),
    "pop3": (b"+OK ready\r\n", b"still listing\r\n"),
    "xmpp": (XMPP_OPEN, b"<x/>"),
    "ldap": (b"", b"\x30\x84\x00\x10\x00\x00" + b"\x04" * 64),
    "postgres": (b"", b"S" + b"\x16\x03\x03\x40\x00" + b"\x00" * 64),
    "mysql": (b"\xff\xff\xff\x00\x0a", b"x" * 64),
}
TIMEOUT = 1.5
FLOOD_BYTES = 256 << 20


def _peer(prefix: bytes, unit: bytes, *, flood: bool) -> object:
    def handler(conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with contextlib.suppress(OSError):
            conn.sendall(prefix)
            sent = 0
            while sent < FLOOD_BYTES:
                if not flood:
                    # Pacing the hostile peer itself (not test synchronisation): one unit per
                    # 0.2 s, read whatever the client says meanwhile.
                    with contextlib.suppress(TimeoutError):
                        if conn.recv(65536) == b"":
                            return
                conn.sendall(unit * (1024 if flood else 1))
                sent += len(unit) * (1024 if flood else 1)

    return handler


@pytest.mark.parametrize("flood", [False, True], ids=["trickle", "flood"])
@pytest.mark.parametrize("protocol", sorted(DIALECTS))
def test_dialect_is_bounded(protocol: str, flood: bool) -> None:
    prefix, unit = DIALECTS[protocol]
    with raw_server(_peer(prefix, unit, flood=flood)) as port:  # type: ignore[arg-type]
        started = time.monotonic()
        report = sslpoke.probe(
            "localhost",
            port,
            starttls=protocol,
            truststore=None,
            timeout=TIMEOUT,
            reference=False,
        )
        elapsed = time.monotonic() - started
    assert report.exit_code == 3, [(p.code, p.message) for p in report.problems]
    assert elapsed < TIMEOUT + 3, f"{protocol} ran {elapsed:.1f} s past a {TIMEOUT} s timeout"


@pytest.mark.parametrize("protocol", ["ldap", "postgres", "xmpp"])
def test_starttls_against_an_implicit_tls_port_says_so(protocol: str) -> None:
    """A client-speaks-first dialect sent to a TLS port gets a TLS alert back: say what it means."""
    from tests.rawservers import tls_alert

    with raw_server(tls_alert) as port:
        started = time.monotonic()
        report = sslpoke.probe("localhost", port, starttls=protocol, timeout=10, reference=False)
        elapsed = time.monotonic() - started
    assert report.exit_code == 3
    assert "speaks TLS directly" in report.errors[0].message, report.errors[0]
    assert elapsed < 5, "noticed at once, not after the timeout"


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3", "ftp", "mysql"])
def test_server_first_dialect_against_an_implicit_tls_port_says_so(protocol: str) -> None:
    """A server-speaks-first dialect hears nothing from a TLS port: after a short silence
    sslpoke asks the port for TLS on a second connection and says so, well before --timeout."""
    from tests.rawservers import tls_alert

    with raw_server(tls_alert) as port:
        started = time.monotonic()
        report = sslpoke.probe("localhost", port, starttls=protocol, timeout=10, reference=False)
        elapsed = time.monotonic() - started
    assert report.exit_code == 3
    assert report.errors[0].code.value == "protocol-mismatch", report.errors[0]
    assert "speaks TLS directly" in report.errors[0].message
    assert elapsed < 5, f"noticed after {elapsed:.1f} s, not at the 10 s timeout"


def test_a_silent_plain_port_still_waits_for_the_greeting() -> None:
    """Silence alone is not TLS: a port that answers no TLS hello gets the whole timeout."""
    from tests.rawservers import silent

    with raw_server(silent) as port:
        started = time.monotonic()
        report = sslpoke.probe("localhost", port, starttls="smtp", timeout=2.5, reference=False)
        elapsed = time.monotonic() - started
    assert report.errors[0].code.value == "timeout", report.errors[0]
    assert "sent nothing at all" in report.errors[0].message
    assert 2.5 <= elapsed < 2.5 + 3
