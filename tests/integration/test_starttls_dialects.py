"""Every STARTTLS dialect against small loopback servers: the happy path (the plaintext
dialogue, then a real TLS handshake with a lab chain) and the hostile ones (closing mid-way,
endless lines, silence, refusals, injected bytes). Each ends with a clear code, in time."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.problems import Code
from tests.conftest import write_pem
from tests.rawservers import raw_server, script

Dialogue = Callable[[socket.socket], None]


@pytest.fixture(scope="module")
def tls(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    folder = tmp_path_factory.mktemp("starttls")
    leaf = lab.leaf()
    (folder / "chain.pem").write_bytes(leaf.pem + lab.inter.pem)
    (folder / "key.pem").write_bytes(leaf.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(folder / "chain.pem", folder / "key.pem")
    return ctx, write_pem([lab.root], folder / "root.pem")


def recv_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data


@contextmanager
def then_tls(ctx: ssl.SSLContext, dialogue: Dialogue) -> Iterator[int]:
    """Run ``dialogue`` on the plain socket, then complete a TLS handshake as the server."""

    def handler(conn: socket.socket) -> None:
        dialogue(conn)
        with (
            contextlib.suppress(OSError, ssl.SSLError),
            ctx.wrap_socket(conn, server_side=True) as t,
        ):
            t.recv(1)

    with raw_server(handler) as port:
        yield port


def smtp(conn: socket.socket) -> None:
    conn.sendall(b"220 mx.test ESMTP\r\n")
    recv_line(conn)
    conn.sendall(b"250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n")
    recv_line(conn)
    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")


def imap(conn: socket.socket) -> None:
    conn.sendall(b"* OK ready\r\n")
    recv_line(conn)
    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK done\r\n")
    recv_line(conn)
    conn.sendall(b"a2 OK Begin TLS negotiation now\r\n")


def pop3(conn: socket.socket) -> None:
    conn.sendall(b"+OK POP3 ready\r\n")
    recv_line(conn)
    conn.sendall(b"+OK\r\nSTLS\r\nUSER\r\n.\r\n")
    recv_line(conn)
    conn.sendall(b"+OK Begin TLS\r\n")


def ftp(conn: socket.socket) -> None:
    conn.sendall(b"220 FTP ready\r\n")
    assert recv_line(conn).startswith(b"FEAT")
    conn.sendall(b"211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n")
    assert recv_line(conn).startswith(b"AUTH TLS")
    conn.sendall(b"234 AUTH TLS OK.\r\n")


def xmpp(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(
        b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
    )
    conn.recv(4096)
    conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def postgres(conn: socket.socket) -> None:
    request = conn.recv(8)
    assert request == struct.pack(">II", 8, 80877103)
    conn.sendall(b"S")


def mysql(conn: socket.socket) -> None:
    version = b"8.0.36\x00"
    payload = (
        b"\x0a"
        + version
        + struct.pack("<I", 7)
        + b"12345678"
        + b"\x00"
        + struct.pack("<H", 0xFFFF)
        + b"\x21"
        + b"\x00" * 30
    )
    conn.sendall(len(payload).to_bytes(3, "little") + b"\x00" + payload)
    head = conn.recv(4)
    conn.recv(int.from_bytes(head[:3], "little"))


def ldap(conn: socket.socket) -> None:
    head = conn.recv(2)
    conn.recv(head[1])
    response = bytes.fromhex("300c02010178070a010004000400")
    conn.sendall(response)


@pytest.mark.parametrize(
    ("protocol", "dialogue"),
    [
        ("smtp", smtp),
        ("imap", imap),
        ("pop3", pop3),
        ("ftp", ftp),
        ("xmpp", xmpp),
        ("postgres", postgres),
        ("mysql", mysql),
        ("ldap", ldap),
    ],
)
def test_dialect_then_real_handshake(
    tls: tuple[ssl.SSLContext, Path], protocol: str, dialogue: Dialogue
) -> None:
    ctx, store = tls
    with then_tls(ctx, dialogue) as port:
        report = sslpoke.probe(
            "localhost", port, starttls=protocol, truststore=store, timeout=3, reference=False
        )
    assert report.ok, [(p.code, p.message) for p in report.problems]
    assert report.tls is not None and report.tls.starttls == protocol


def test_mail_auth_reported_before_tls(tls: tuple[ssl.SSLContext, Path]) -> None:
    ctx, store = tls
    with then_tls(ctx, smtp) as port:
        report = sslpoke.probe(
            "localhost", port, starttls="smtp", truststore=store, timeout=3, reference=False
        )
    assert report.tls is not None and report.tls.auth_before_tls == ("PLAIN", "LOGIN")
    assert Code.PLAINTEXT_AUTH_BEFORE_TLS in [p.code for p in report.warnings]


HOSTILE = [
    (
        "smtp",
        script(
            [
                (b"", b"220 mx ESMTP\r\n"),
                (b"EHLO", b"250-mx\r\n250 STARTTLS\r\n"),
                (b"STARTTLS", None),
            ]
        ),
        Code.STARTTLS_REFUSED,
        "closed",
    ),
    ("smtp", script([(b"", b"ENDLESS")]), Code.PROTOCOL_MISMATCH, "longer than"),
    ("smtp", script([(b"", b"SILENCE")]), Code.TIMEOUT, "did not answer"),
    (
        "smtp",
        script([(b"", b"220 mx ESMTP\r\n"), (b"EHLO", b"250-mx\r\n250 SIZE 10240000\r\n")]),
        Code.STARTTLS_UNSUPPORTED,
        "SIZE",
    ),
    (
        "smtp",
        script(
            [
                (b"", b"220 mx ESMTP\r\n"),
                (b"EHLO", b"250-mx\r\n250 STARTTLS\r\n"),
                (b"STARTTLS", b"454 4.7.0 TLS not available due to local problem\r\n"),
            ]
        ),
        Code.STARTTLS_REFUSED,
        "454 4.7.0",
    ),
    ("smtp", script([(b"", b"554 5.7.1 go away\r\n")]), Code.STARTTLS_REFUSED, "554"),
    (
        "smtp",
        script(
            [
                (b"", b"220 mx ESMTP\r\n"),
                (b"EHLO", b"250-mx\r\n250 STARTTLS\r\n"),
                (b"STARTTLS", b"220 go ahead\r\nINJECTED\r\n"),
            ]
        ),
        Code.PROTOCOL_MISMATCH,
        "injection",
    ),
    (
        "smtp",
        script([(b"", b"HTTP/1.1 400 Bad Request\r\n\r\n")]),
        Code.PROTOCOL_MISMATCH,
        "HTTP/1.1 400",
    ),
    ("imap", script([(b"", b"* BYE too many connections\r\n")]), Code.STARTTLS_REFUSED, "BYE"),
    (
        "imap",
        script([(b"", b"* OK ready\r\n"), (b"a1", b"* CAPABILITY IMAP4rev1\r\na1 OK\r\n")]),
        Code.STARTTLS_UNSUPPORTED,
        "IMAP4REV1",
    ),
    (
        "imap",
        script(
            [
                (b"", b"* OK ready\r\n"),
                (b"a1", b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK\r\n"),
                (b"a2", b"a2 BAD not now\r\n"),
            ]
        ),
        Code.STARTTLS_REFUSED,
        "a2 BAD",
    ),
    ("pop3", script([(b"", b"-ERR maintenance\r\n")]), Code.STARTTLS_REFUSED, "maintenance"),
    (
        "pop3",
        script([(b"", b"+OK hi\r\n"), (b"CAPA", b"+OK\r\nUSER\r\n.\r\n")]),
        Code.STARTTLS_UNSUPPORTED,
        "USER",
    ),
    (
        "ftp",
        script(
            [
                (b"", b"220 ftp\r\n"),
                (b"FEAT", b"502 no FEAT\r\n"),
                (b"AUTH", b"502 Command not implemented\r\n"),
            ]
        ),
        Code.STARTTLS_UNSUPPORTED,
        "502",
    ),
    (
        "ftp",
        script(
            [(b"", b"220 ftp\r\n"), (b"FEAT", b"211-Features:\r\n SIZE\r\n MDTM\r\n211 End\r\n")]
        ),
        Code.STARTTLS_UNSUPPORTED,
        "SIZE, MDTM; no AUTH TLS",
    ),
    (
        "ftp",
        script(
            [
                (b"", b"220 ftp\r\n"),
                (b"FEAT", b"211-Features:\r\n AUTH TLS\r\n211 End\r\n"),
                (b"AUTH", b"431 TLS resources unavailable\r\n"),
            ]
        ),
        Code.STARTTLS_REFUSED,
        "431",
    ),
    ("ldap", script([(b"", b"SILENCE")]), Code.TIMEOUT, "did not answer"),
]


@pytest.mark.parametrize(("protocol", "handler", "code", "words"), HOSTILE)
def test_hostile_peers(
    tls: tuple[ssl.SSLContext, Path],
    protocol: str,
    handler: Callable[[socket.socket], None],
    code: Code,
    words: str,
) -> None:
    _, store = tls
    with raw_server(handler) as port:
        started = time.monotonic()
        report = sslpoke.probe(
            "localhost", port, starttls=protocol, truststore=store, timeout=1.0, reference=False
        )
        elapsed = time.monotonic() - started
    assert report.exit_code == 3
    assert report.errors[0].code is code, report.errors[0]
    assert words in report.errors[0].message
    assert elapsed < 5


def test_postgres_without_ssl(tls: tuple[ssl.SSLContext, Path]) -> None:
    _, store = tls

    def no_ssl(conn: socket.socket) -> None:
        conn.recv(8)
        conn.sendall(b"N")

    with raw_server(no_ssl) as port:
        report = sslpoke.probe(
            "localhost", port, starttls="postgres", truststore=store, timeout=1, reference=False
        )
    assert report.errors[0].code is Code.STARTTLS_UNSUPPORTED


def test_well_known_port_picks_the_dialect() -> None:
    from sslpoke.target import Protocol, parse_target

    assert parse_target("mail.example", 587).starttls is Protocol.SMTP
    assert (
        parse_target("mail.example", 465).starttls is None
        and parse_target("mail.example", 465).application is Protocol.SMTP
    )
    assert parse_target("dc.example", 389).starttls is Protocol.LDAP
    assert parse_target("dc.example", 389, no_starttls=True).starttls is None
    assert parse_target("postgres://db.example").starttls is Protocol.POSTGRES
    assert parse_target("db.example:3306").starttls is Protocol.MYSQL
