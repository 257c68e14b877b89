"""The scan's TLS 1.3 capture by hand (net/tls13.py), judged by OpenSSL itself.

The hello must be OpenSSL's byte for byte (but for the random, the session id and
the key share); against real OpenSSL servers (the ssl module's, in memory and on a
socket pair) the facts must equal the OpenSSL capture's and the server must accept
the client's Finished; everything else must be left to OpenSSL, never half-read.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sslpoke.lab.pki import Issued, issue
from sslpoke.net import tls13
from sslpoke.net.tls import TlsFacts, handshake

KEY = X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
RANDOM = bytes(range(64))


def _name(length: int) -> str:
    text = "x" * length
    return ".".join(text[i : i + 50] for i in range(0, length, 50))


@pytest.mark.parametrize(
    "name",
    [_name(n) for n in range(1, 250, 3)] + [None, "127.0.0.1", "::1", "localhost"],
    ids=lambda n: f"{len(n)}" if n and n.startswith("x") else str(n),
)
def test_the_hello_is_openssls_byte_for_byte(name: str | None) -> None:
    arg = name.encode() if name and name not in ("127.0.0.1", "::1") else name
    theirs = tls13._openssl_hello(arg)  # what the OpenSSL capture sends for this name
    random_and_session, _, _, extensions = tls13.parse_client_hello(theirs)
    share = dict(extensions)[51][6:]
    assert tls13.client_hello(name, share, random_and_session) == theirs


@pytest.mark.parametrize("name", ["bücher.example", "trailing.dot.", "x" * 256, ""])
def test_names_the_ssl_module_rewrites_are_left_to_it(name: str) -> None:
    with pytest.raises(tls13.UnusualServerError):
        tls13.client_hello(name, bytes(32))


def _chain(tmp: Path, key: object) -> tuple[Path, Path, list[Issued]]:
    root = issue("Unit Root", ca=True)
    inter = issue("Unit Intermediate", root, ca=True)
    leaf = issue("localhost", inter, key=key, sans=["localhost"])
    cert, private = tmp / "chain.pem", tmp / "key.pem"
    cert.write_bytes(leaf.pem + inter.pem)
    private.write_bytes(leaf.key_pem)
    return cert, private, [leaf, inter]


def _server(cert: Path, key: Path, **options: object) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    for name, value in options.items():
        setattr(ctx, name, value)
    return ctx


def _in_memory(
    ctx: ssl.SSLContext, shake: tls13.Handshake, tamper: int | None = None
) -> tuple[TlsFacts | None, ssl.SSLObject]:
    """Our hello to an OpenSSL server in memory, its flight back (a byte flipped at
    ``tamper``), then our Finished to it: the server raises if OpenSSL refuses it."""
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = ctx.wrap_bio(s_in, s_out, server_side=True)
    s_in.write(shake.hello)
    with suppress(ssl.SSLWantReadError):
        server.do_handshake()
    flight = bytearray(s_out.read())
    if tamper is not None:
        flight[tamper] ^= 0x01
    facts = shake.feed(bytes(flight))
    if facts is not None:
        s_in.write(shake.reply)
        server.do_handshake()  # OpenSSL checks our Finished here
    return facts, server


def _openssl_capture(ctx: ssl.SSLContext, name: str) -> TlsFacts:
    client, peer = socket.socketpair()

    def serve() -> None:
        with suppress(OSError, ssl.SSLError), ctx.wrap_socket(peer, server_side=True) as s:
            s.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        facts, _ = handshake(client, name, deadline=time.monotonic() + 5)
        return facts
    finally:
        client.close()
        thread.join(5)


KEYS = {
    "P-256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "P-384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "P-521": lambda: ec.generate_private_key(ec.SECP521R1()),
    "RSA-2048 (PSS)": lambda: "rsa",
    "RSA-3072 (PSS)": lambda: "rsa3072",
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
    "Ed448": ed448.Ed448PrivateKey.generate,
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_facts_equal_the_openssl_capture(kind: str, tmp_path: Path) -> None:
    cert, key, issued = _chain(tmp_path, KEYS[kind]())
    ctx = _server(cert, key)
    facts, server = _in_memory(ctx, tls13.Handshake("localhost"))
    assert facts is not None and server.version() == "TLSv1.3"  # and the server took our Finished
    assert facts.chain == tuple(i.der for i in issued)
    assert facts == _openssl_capture(ctx, "localhost")


def test_a_server_without_tls13_is_left_to_openssl(tmp_path: Path) -> None:
    cert, key, _ = _chain(tmp_path, "ec")
    ctx = _server(cert, key, maximum_version=ssl.TLSVersion.TLSv1_2)
    with pytest.raises(tls13.UnusualServerError, match=r"not TLS 1\.3"):
        _in_memory(ctx, tls13.Handshake("localhost"))


def test_a_certificate_request_is_left_to_openssl(tmp_path: Path) -> None:
    cert, key, issued = _chain(tmp_path, "ec")
    ctx = _server(cert, key, verify_mode=ssl.CERT_OPTIONAL)
    ctx.load_verify_locations(cadata=issued[1].pem.decode())
    with pytest.raises(tls13.UnusualServerError, match="instead of the Certificate"):
        _in_memory(ctx, tls13.Handshake("localhost"))


def test_a_damaged_record_is_left_to_openssl(tmp_path: Path) -> None:
    cert, key, _ = _chain(tmp_path, "ec")
    ctx = _server(cert, key)
    for where in (-1, -40, -300):  # in the Finished, the CertificateVerify, the Certificate
        with pytest.raises(tls13.UnusualServerError):
            _in_memory(ctx, tls13.Handshake("localhost"), tamper=where)


class _Recording(tls13.Handshake):
    """Keeps the decrypted handshake bytes, to replay them altered."""

    seen = b""

    def plaintext(self, data: bytes) -> TlsFacts | None:
        self.seen += data
        return super().plaintext(data)


def test_the_signature_and_the_finished_are_checked(tmp_path: Path) -> None:
    cert, key, _ = _chain(tmp_path, "ec")
    ctx = _server(cert, key)
    first = _Recording("localhost", private_key=KEY, random=RANDOM)
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = ctx.wrap_bio(s_in, s_out, server_side=True)
    s_in.write(first.hello)
    with suppress(ssl.SSLWantReadError):
        server.do_handshake()
    flight = s_out.read()
    assert first.feed(flight) is not None
    hello_record = flight[: 5 + int.from_bytes(flight[3:5], "big")]
    messages = first.seen
    finished_at = len(messages) - 4 - 48  # SHA-384's Finished: the suite OpenSSL chose
    signature_at = finished_at - 20  # inside the CertificateVerify's signature

    def replay(data: bytes) -> TlsFacts | None:
        again = tls13.Handshake("localhost", private_key=KEY, random=RANDOM)
        assert again.feed(hello_record) is None
        return again.plaintext(data)

    assert replay(messages) is not None  # the same bytes, the same verdict
    for at in (finished_at + 10, signature_at):
        altered = bytearray(messages)
        altered[at] ^= 0x01
        with pytest.raises(tls13.UnusualServerError, match=r"Finished|signature"):
            replay(bytes(altered))


def test_the_signature_check_refuses_a_key_that_did_not_sign() -> None:
    leaf = issue("localhost")
    content = b"the transcript"
    signature = leaf.key.sign(content, ec.ECDSA(ec.hashes.SHA256()))  # type: ignore[attr-defined]
    tls13._verify(leaf.der, 0x0403, signature, content)
    other = issue("localhost")
    with pytest.raises(tls13.UnusualServerError, match="signature"):
        tls13._verify(other.der, 0x0403, signature, content)
    with pytest.raises(tls13.UnusualServerError, match=r"curve|left to OpenSSL"):
        tls13._verify(leaf.der, 0x0503, signature, content)  # P-384's scheme, a P-256 key
    with pytest.raises(tls13.UnusualServerError, match="left to OpenSSL"):
        tls13._verify(leaf.der, 0x0401, signature, content)  # PKCS#1: not in TLS 1.3


def test_everything_read_is_bounded() -> None:
    shake = tls13.Handshake("localhost")
    with pytest.raises(tls13.UnusualServerError, match="not a TLS record"):
        shake.feed(b"\x16\x03\x03\xff\xff")  # a record longer than TLS allows
    shake = tls13.Handshake("localhost")
    with pytest.raises(tls13.UnusualServerError, match="1 MiB"):
        for _ in range(80):
            shake.feed(b"\x16\x03\x03\x40\x00" + b"\x02\xff\xff\xff" + bytes(2**14 - 4))


def test_early_application_data_after_the_finished_is_not_read(tmp_path: Path) -> None:
    # A server may send data right behind its Finished (an implicit-TLS greeting, say):
    # the capture is complete without it, as OpenSSL's is.
    cert, key, issued = _chain(tmp_path, "ec")
    ctx = _server(cert, key)
    shake = tls13.Handshake("localhost")
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = ctx.wrap_bio(s_in, s_out, server_side=True)
    s_in.write(shake.hello)
    with suppress(ssl.SSLWantReadError):
        server.do_handshake()
    facts = shake.feed(s_out.read() + b"\x17\x03\x03\x00\x20" + bytes(32))
    assert facts is not None and facts.chain == tuple(i.der for i in issued)


def test_client_keys_serve_many_handshakes_then_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tls13.ClientKeys, "USES", 3)
    keys = tls13.ClientKeys()
    got = [keys.next() for _ in range(7)]
    assert got[0] is got[1] is got[2] and got[3] is got[4] is got[5]
    assert len({id(k) for k in got}) == 3
    cert, key, issued = _chain(tmp_path, KEYS["P-256"]())
    ctx = _server(cert, key)
    for _ in range(2):  # one key, two complete handshakes the server accepts
        facts, server = _in_memory(ctx, tls13.Handshake("localhost", private_key=got[0]))
        assert facts is not None and facts.chain == tuple(i.der for i in issued)
        assert server.version() == "TLSv1.3"
