"""Fuzz targets: every reader of data an attacker can shape, fed mutated real inputs.

Each target takes bytes and must either return or raise one of the errors sslpoke
reports as a finding or as bad input (``EXPECTED``); anything else is a crash.
The seeds are real files in ``corpus/`` (made by keytool and openssl) and real
server transcripts (below); Hypothesis mutates them.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sslpoke.errors import SslpokeError
from sslpoke.net.channel import Conversation
from sslpoke.net.errors import NetError
from sslpoke.net.tls import TlsFacts
from sslpoke.net.tls13 import Handshake
from sslpoke.pki.certs import CertificateParseError

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
EXPECTED: tuple[type[BaseException], ...] = (SslpokeError, CertificateParseError, NetError)
# removed when the process ends (TemporaryDirectory finalizes itself at exit)
_DIR = tempfile.TemporaryDirectory(prefix="sslpoke-fuzz-")
_TMP = Path(_DIR.name)


def _as_file(data: bytes, suffix: str) -> Path:
    path = _TMP / f"input{suffix}"
    path.write_bytes(data)
    return path


def truststore(data: bytes) -> None:
    """PEM, DER, JKS, JCEKS, PKCS#12: the truststore readers, with and without a password."""
    from sslpoke.stores import load_truststore

    path = _as_file(data, ".store")
    for password in (None, "changeit"):
        with suppress(*EXPECTED):
            store = load_truststore(path, password=password)
            for entry in store.entries:
                _ = entry.cert.subject_text, entry.cert.fingerprint


def certificate_file(data: bytes) -> None:
    """What `verify` and `trust --cert` read: PEM, DER, PKCS#7, a keystore entry."""
    from sslpoke.certfiles import load_certificates

    path = _as_file(data, ".crt")
    for alias in (None, "fuzz-root", "1"):
        with suppress(*EXPECTED):
            load_certificates(path, alias=alias, password="changeit")


_ROOT: list[object] = []


def certificate(data: bytes) -> None:
    """One certificate through the whole validator and report (both profiles)."""
    import sslpoke
    from sslpoke.pki.certs import Cert, load_pem_or_der

    if not _ROOT:
        _ROOT.extend(load_pem_or_der((CORPUS / "root.pem").read_bytes()))
    try:
        cert = Cert(data)
    except CertificateParseError:
        return
    from sslpoke.stores import StoreType, TrustEntry, TrustStore

    store = TrustStore(StoreType.PEM, tuple(TrustEntry(c) for c in _ROOT), None, "fuzz")  # type: ignore[arg-type]
    for profile in ("java", "webpki"):
        report = sslpoke.verify(
            [cert], truststore=store, host="fuzz.test", profile=profile, reference=False
        )
        _ = [p.message for p in report.problems]


class _FakeChannel:
    """A server that says ``data`` in small pieces, whatever the client sends."""

    def __init__(self, data: bytes) -> None:
        self.chunks = [data[i : i + 37] for i in range(0, len(data), 37)]

    def send(self, data: bytes) -> None:
        pass

    def recv(self, deadline: float) -> bytes:
        if time.monotonic() > deadline:
            raise TimeoutError
        return self.chunks.pop(0) if self.chunks else b""


TRANSCRIPTS: dict[str, bytes] = {
    "smtp": b"220 mx ESMTP\r\n250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n220 2.0.0 go\r\n",
    "imap": b"* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK done\r\na2 OK begin\r\n",
    "pop3": b"+OK ready\r\n+OK capa\r\nSTLS\r\nSASL PLAIN\r\n.\r\n+OK begin\r\n",
    "ftp": b"220 ftp\r\n211-Features:\r\n AUTH TLS\r\n211 End\r\n234 AUTH TLS ok\r\n",
    "xmpp": (
        b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        b"xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='x'>"
        b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
        b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    ),
    "ldap": bytes.fromhex("300c02010178070a010004000400"),
    "postgres": b"S",
    "mysql": bytes.fromhex("4a0000000a382e302e3333000800000041424344454647480" + "0ffff2102000f")
    + b"\x00" * 10
    + b"ABCDEFGHIJKL\x00mysql_native_password\x00",
}


def starttls(protocol: str) -> Callable[[bytes], None]:
    from sslpoke.net import starttls as dialects
    from sslpoke.target import Protocol

    def run(data: bytes) -> None:
        conv = Conversation(_FakeChannel(data), 2.0, protocol.upper())  # type: ignore[arg-type]
        with suppress(*EXPECTED):
            dialects.before_tls(Protocol(protocol), conv, "fuzz.test")

    return run


def tls_server_reply(data: bytes) -> None:
    """The TLS capture against hostile records: a peer answers the ClientHello with ``data``."""
    from sslpoke.net.tls import handshake

    client, server = socket.socketpair()

    def serve() -> None:
        with suppress(OSError):
            server.recv(65536)
            server.sendall(data)
            server.shutdown(socket.SHUT_WR)
            server.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with suppress(*EXPECTED):
            handshake(client, "fuzz.test", deadline=time.monotonic() + 2)
    finally:
        client.close()
        server.close()
        thread.join(3)


def tls_server_reply_async(data: bytes) -> None:
    """The same hostile replies to the asyncio carrier of the handshake (the scan's)."""
    import asyncio

    from sslpoke.net.tls import handshake_async

    async def main() -> None:
        client, server = socket.socketpair()
        client.setblocking(False)
        server.setblocking(False)
        loop = asyncio.get_running_loop()

        async def serve() -> None:
            with suppress(OSError):
                await loop.sock_recv(server, 65536)
                await loop.sock_sendall(server, data)
                server.shutdown(socket.SHUT_WR)

        task = asyncio.ensure_future(serve())
        try:
            with suppress(*EXPECTED):
                await handshake_async(client, "fuzz.test", deadline=time.monotonic() + 2)
        finally:
            client.close()
            await task
            server.close()

    asyncio.run(main())


_TLS13_KEY = bytes(range(1, 33))  # the client's X25519 key and random: fixed, so a
_TLS13_RANDOM = bytes(range(64))  # recorded server flight decrypts when replayed


def _tls13_client(kind: type[Handshake] | None = None) -> Handshake:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from sslpoke.net import tls13

    key = X25519PrivateKey.from_private_bytes(_TLS13_KEY)
    return (kind or tls13.Handshake)("fuzz.test", private_key=key, random=_TLS13_RANDOM)


_TLS13_SESSION: list[tuple[bytes, bytes]] = []


def _tls13_session() -> tuple[bytes, bytes]:
    """A real TLS 1.3 server flight answering the fixed client (an OpenSSL server in
    memory, the corpus chain), and its handshake messages as decrypted."""
    import ssl

    from sslpoke.net import tls13

    if _TLS13_SESSION:
        return _TLS13_SESSION[0]
    seen: list[bytes] = []

    class Recording(tls13.Handshake):
        def plaintext(self, data: bytes) -> TlsFacts | None:
            seen.append(data)
            return super().plaintext(data)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CORPUS / "chain.pem", _key_file())
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = ctx.wrap_bio(s_in, s_out, server_side=True)
    client = _tls13_client(Recording)
    s_in.write(client.hello)
    with suppress(ssl.SSLWantReadError):
        server.do_handshake()
    flight = s_out.read()
    assert client.feed(flight) is not None
    _TLS13_SESSION.append((flight, b"".join(seen)))
    return _TLS13_SESSION[0]


def tls13_flight(data: bytes) -> None:
    """The scan's TLS 1.3 capture by hand: a hostile server flight, records and all."""
    from sslpoke.net import tls13

    client = _tls13_client()
    with suppress(tls13.UnusualServerError):
        cut = len(data) // 3  # in two pieces, as a socket may deliver it
        if client.feed(data[:cut]) is None:
            client.feed(data[cut:])


def tls13_messages(data: bytes) -> None:
    """The same, past the encryption: hostile handshake messages as decrypted."""
    from sslpoke.net import tls13

    flight, _ = _tls13_session()
    client = _tls13_client()
    hello = flight[: 5 + int.from_bytes(flight[3:5], "big")]
    with suppress(tls13.UnusualServerError):
        client.feed(hello)
        client.plaintext(data)


def server_flight(data: bytes) -> None:
    """The audit's hello reader (audit/wire.py): a hostile first flight, SCT lists and all."""
    from sslpoke.audit import wire

    client, server = socket.socketpair()
    try:
        server.sendall(data[:200_000])
        server.shutdown(socket.SHUT_WR)
        hello = wire.client_hello(wire.Hello(wire.TLS12, (0xC02F, 0x009C), "fuzz.test"))
        with suppress(wire.WireError, OSError, *EXPECTED):
            flight = wire.exchange(client, hello, time.monotonic() + 2)
            from sslpoke.net.revocation import sct_list

            sct_list(flight.sct_list, "TLS extension")
    finally:
        client.close()
        server.close()


def revocation_data(data: bytes) -> None:
    """An OCSP response (stapled or fetched), its SCTs, an SCT list: statuses, never a crash."""
    from sslpoke.net import revocation
    from sslpoke.pki.certs import Cert

    leaf, issuer = (
        Cert((CORPUS / "leaf.der").read_bytes()),
        Cert((CORPUS / "inter.der").read_bytes()),
    )
    status = revocation.check_ocsp(data, leaf, issuer, "fuzz")
    assert status.status in ("good", "revoked", "unknown"), status
    revocation.staple_scts(data)
    assert len(revocation.sct_list(data, "fuzz")) <= revocation.MAX_SCTS


def scan_records(data: bytes) -> None:
    """`scan --from-jsonl` and `--resume` on a damaged JSON lines file."""
    from sslpoke.commands.scan import _keep_record
    from sslpoke.scan.html import render
    from sslpoke.scan.output import Summary, csv_row_of, done_specs, read_records

    path = _as_file(data, ".jsonl")
    summary = Summary()
    kept: list[dict[str, object]] = []
    for record in read_records(path):
        summary.add_record(record)
        csv_row_of(record)
        _keep_record(kept, record)
    render(kept)
    summary.lines()
    done_specs(path)


def _tls_seed() -> bytes:
    """A real ServerHello...Certificate flight, as bytes on the wire (TLS 1.2, so readable)."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(CORPUS / "chain.pem", _key_file())
    cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cli.check_hostname, cli.verify_mode = False, ssl.CERT_NONE
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = cli.wrap_bio(c_in, c_out, server_hostname="fuzz.test")
    s = ctx.wrap_bio(s_in, s_out, server_side=True)
    with suppress(ssl.SSLWantReadError):
        c.do_handshake()
    s_in.write(c_out.read())
    with suppress(ssl.SSLWantReadError):
        s.do_handshake()
    return s_out.read()


def _sct_seed() -> bytes:
    one = (
        b"\x00"
        + b"\x11" * 32
        + (1_700_000_000_000).to_bytes(8, "big")
        + b"\x00\x00\x04\x03\x00\x02\x30\x00"
    )
    body = len(one).to_bytes(2, "big") + one
    return len(body).to_bytes(2, "big") + body


def _ocsp_seed() -> bytes:
    """A real OCSP response for the corpus leaf (signed by a stand-in key: it parses)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509 import ocsp

    leaf = x509.load_der_x509_certificate((CORPUS / "leaf.der").read_bytes())
    inter = x509.load_der_x509_certificate((CORPUS / "inter.der").read_bytes())
    key, responder, _ = pkcs12.load_key_and_certificates(
        (CORPUS / "key.p12").read_bytes(), b"changeit"
    )
    assert key is not None and responder is not None
    now = datetime.now(UTC)
    return (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf, issuer=inter, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED, this_update=now,
            next_update=now + timedelta(days=1), revocation_time=now,
            revocation_reason=x509.ReasonFlags.key_compromise,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
        .public_bytes(serialization.Encoding.DER)
    )  # fmt: skip


def _key_file() -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, _, _ = pkcs12.load_key_and_certificates((CORPUS / "key.p12").read_bytes(), b"changeit")
    path = _TMP / "key.pem"
    path.write_bytes(
        key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def seeds() -> dict[str, list[bytes]]:
    files = {p.name: p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.is_file()}
    stores = [
        files[n]
        for n in ("store.jks", "store.jceks", "store.p12", "root.pem", "chain.pem", "key.p12")
    ]
    certs = [files[n] for n in ("leaf.der", "inter.der", "chain.pem", "chain.p7b", "key.p12")]
    out = {
        "truststore": stores,
        "certificate_file": certs,
        "certificate": [files["leaf.der"], files["inter.der"]],
        "tls_server_reply": [_tls_seed()],
        "tls_server_reply_async": [_tls_seed()],
        "server_flight": [_tls_seed()],
        "tls13_flight": [_tls13_session()[0]],
        "tls13_messages": [_tls13_session()[1]],
        "revocation_data": [_ocsp_seed(), _sct_seed()],
        "scan_records": [
            b'{"spec": "a:1", "ok": false, "exit_code": 1, "problems": [{"code": "expired", '
            b'"severity": "error", "message": "m", "fix": "f"}], "seconds": 0.1}\n'
            b'{"spec": "b", "ok": false, "exit_code": 2, "error": {"code": "bad-input"}}\n'
        ],
    }
    out.update({f"starttls_{p}": [t] for p, t in TRANSCRIPTS.items()})
    return out


TARGETS: dict[str, Callable[[bytes], None]] = {
    "truststore": truststore,
    "certificate_file": certificate_file,
    "certificate": certificate,
    "tls_server_reply": tls_server_reply,
    "tls_server_reply_async": tls_server_reply_async,
    "server_flight": server_flight,
    "tls13_flight": tls13_flight,
    "tls13_messages": tls13_messages,
    "revocation_data": revocation_data,
    "scan_records": scan_records,
    **{f"starttls_{p}": starttls(p) for p in TRANSCRIPTS},
}
