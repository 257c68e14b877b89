"""The scan's capture by hand against real ``openssl s_server`` processes and odd peers.

Differential: for every server the scan's capture (by hand first, OpenSSL when the
server is not the plain TLS 1.3 case) must give exactly what the OpenSSL capture
alone gives — the same facts, or the same error in the same words — and the hand
path must have been taken exactly for the plain servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.pki import issue
from sslpoke.net import tls13
from sslpoke.net.acapture import capture_async
from sslpoke.net.connect import CachingResolver
from sslpoke.net.errors import NetError
from sslpoke.net.tls import TlsFacts
from sslpoke.scan.engine import LocalBackend
from sslpoke.target import parse_target
from tests.integration.test_audit import s_server
from tests.rawservers import banner, close_at_once, http_error, raw_server, silent, tls_alert


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    d = tmp_path_factory.mktemp("tls13")
    root = issue("S Root", ca=True)
    inter = issue("S Intermediate", root, ca=True)
    out = {}
    for kind in ("ec", "rsa", "ec384"):
        leaf = issue("localhost", inter, key=kind, sans=["localhost"])
        (d / f"{kind}.pem").write_bytes(leaf.pem)
        (d / f"{kind}.key").write_bytes(leaf.key_pem)
        out[kind] = ["-cert", str(d / f"{kind}.pem"), "-key", str(d / f"{kind}.key")]
    (d / "inter.pem").write_bytes(inter.pem)
    (d / "root.pem").write_bytes(root.pem)
    out["chain"] = ["-cert_chain", str(d / "inter.pem")]
    out["ca"] = ["-CAfile", str(d / "root.pem")]
    return out


#: name -> (s_server options, whether the capture by hand takes it)
CASES: dict[str, tuple[tuple[str, ...], bool]] = {
    "AES-128-GCM": (("ec", "-ciphersuites", "TLS_AES_128_GCM_SHA256"), True),
    "ChaCha20-Poly1305": (("ec", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"), True),
    "AES-256-GCM, RSA key, chain": (("rsa", "chain"), True),
    "P-384 key, ChaCha20 alone": (
        ("ec384", "chain", "-serverpref", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"),
        True,
    ),
    "HelloRetryRequest (P-256 only)": (("ec", "-groups", "P-256"), False),
    "TLS 1.2 only": (("ec", "chain", "-tls1_2"), False),
    "client certificate asked": (("ec", "ca", "-verify", "1"), False),
    "client certificate required": (("ec", "ca", "-Verify", "1"), False),
}


def _options(chains: dict[str, list[str]], spec: tuple[str, ...]) -> list[str]:
    return [a for part in spec for a in chains.get(part, [part])]


async def _by_hand_alone(port: int) -> TlsFacts | None:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        return await tls13.handshake_async(sock, "localhost", deadline=time.monotonic() + 5)
    finally:
        sock.close()


async def _capture(port: int, by_hand: bool) -> object:
    with ThreadPoolExecutor(2) as pool:
        try:
            cap = await capture_async(
                parse_target(f"localhost:{port}"), timeout=5, resolver=CachingResolver(),
                executor=pool, by_hand=by_hand,
            )  # fmt: skip
        except NetError as exc:
            return ("error", exc.code, str(exc), exc.chain)
        return cap.tls, cap.peer


@pytest.mark.parametrize("case", list(CASES))
def test_the_scan_capture_equals_openssls(case: str, chains: dict[str, list[str]]) -> None:
    spec, plain = CASES[case]
    with s_server(*_options(chains, spec)) as port:
        alone = asyncio.run(_by_hand_alone(port))
        mixed = asyncio.run(_capture(port, by_hand=True))
        openssl = asyncio.run(_capture(port, by_hand=False))
    assert (alone is not None) is plain, alone
    assert mixed == openssl
    if plain:
        assert isinstance(openssl, tuple) and alone == openssl[0]


def _write_root(tmp_path: Path) -> Path:
    root = issue("Unused Root", ca=True)
    path = tmp_path / "root.pem"
    path.write_bytes(root.pem)
    return path


SMTP = banner(b"220 mail.example ESMTP ready\r\n")


def test_odd_peers_get_the_probes_words_and_a_silent_one_one_timeout(tmp_path: Path) -> None:
    store = _write_root(tmp_path)
    with raw_server(silent) as p0, raw_server(http_error) as p1, raw_server(tls_alert) as p2, \
            raw_server(close_at_once) as p3, raw_server(SMTP) as p4:  # fmt: skip
        specs = [f"127.0.0.1:{p}" for p in (p0, p1, p2, p3, p4)]
        backend = LocalBackend(str(store), timeout=1.5)
        started = time.monotonic()
        results = {r.spec: r for r in backend.run(specs)}
        elapsed = time.monotonic() - started
        singles = {
            s: sslpoke.probe(
                s, truststore=str(store), timeout=1.5, no_starttls=True, reference=False
            )
            for s in specs
        }
    assert elapsed < 2.9  # the silent peer is waited for once (1.5 s), not once per capture
    racy = f"127.0.0.1:{p3}"  # reset or end of stream: the kernel's timing decides
    for spec, single in singles.items():
        report = results[spec].report
        assert report is not None
        got = [(p.code, p.message if spec != racy else "") for p in report.problems]
        assert got == [(p.code, p.message if spec != racy else "") for p in single.problems], spec


def test_a_listener_that_is_not_plain_costs_one_hello_in_vain(tmp_path: Path) -> None:
    import ssl

    leaf = issue("localhost", sans=["localhost"])
    (tmp_path / "c.pem").write_bytes(leaf.pem)
    (tmp_path / "k.pem").write_bytes(leaf.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    accepted = []

    def serve(conn: socket.socket) -> None:
        accepted.append(conn)
        with contextlib.suppress(OSError), ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    with raw_server(serve) as port:
        specs = [f"localhost:{port}"] * 5  # five names on one TLS 1.2 listener, one by one
        results = list(LocalBackend(str(tmp_path / "c.pem"), concurrency=1).run(specs))
    assert [r.report.tls.version for r in results if r.report and r.report.tls] == ["TLSv1.2"] * 5
    assert len(accepted) == 6  # the first name's hello by hand in vain, then OpenSSL's only


def test_a_scan_uses_one_client_key_for_its_handshakes(tmp_path: Path) -> None:
    """The TLS 1.3 capture's X25519 key is the scan's, not a new one per handshake (a
    key costs 35 us, about 7 % of a scan's CPU): the server sees the same key share in
    every hello, and every handshake still completes by hand."""
    import ssl

    leaf = issue("localhost", sans=["localhost"])
    (tmp_path / "c.pem").write_bytes(leaf.pem)
    (tmp_path / "k.pem").write_bytes(leaf.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    hellos: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        seen = b""
        while len(seen) < 5 or len(seen) < 5 + int.from_bytes(seen[3:5], "big"):
            more = conn.recv(65536, socket.MSG_PEEK)  # left for the TLS server to read
            if not more or more == seen:
                break
            seen = more
        hellos.append(seen[5:])
        with contextlib.suppress(OSError), ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    with raw_server(serve) as port:
        backend = LocalBackend(str(tmp_path / "c.pem"), concurrency=1)
        results = list(backend.run([f"localhost:{port}"] * 4))
    assert all(r.ok and r.report and r.report.tls.version == "TLSv1.3" for r in results)
    assert len(hellos) == 4  # all by hand: none left to OpenSSL
    shares = {dict(tls13.parse_client_hello(h)[3])[51] for h in hellos}
    randoms = {tls13.parse_client_hello(h)[0] for h in hellos}
    assert len(shares) == 1 and len(randoms) == 4


def test_the_server_completes_each_handshake_with_our_finished(tmp_path: Path) -> None:
    """The Finished leaves with the close (one segment, ``aio.sendall(last=True)``):
    a real TLS 1.3 server still completes every handshake with it, on real sockets."""
    import ssl

    leaf = issue("localhost", sans=["localhost"])
    (tmp_path / "c.pem").write_bytes(leaf.pem)
    (tmp_path / "k.pem").write_bytes(leaf.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    completed: queue.Queue[str | None] = queue.Queue()

    def serve(conn: socket.socket) -> None:
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                completed.put(tls.version())  # the handshake done: our Finished checked
        except OSError as exc:
            completed.put(f"failed: {exc}")

    with raw_server(serve) as port:
        backend = LocalBackend(str(tmp_path / "c.pem"), concurrency=2)
        results = list(backend.run([f"localhost:{port}"] * 6))
        seen = [completed.get(timeout=10) for _ in results]
    assert all(r.ok and r.report and r.report.tls.version == "TLSv1.3" for r in results)
    assert seen == ["TLSv1.3"] * 6


def test_connection_failures_in_the_probes_words(tmp_path: Path) -> None:
    """The scan's connect (on the loop) fails as the probe's (blocking) does, word for
    word: refused (a port bound, not listening) and an error the kernel gives at once
    (link-local IPv6 without a scope: EINVAL, no packet leaves)."""

    def link_local(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1", port, 0, 0))]

    async def scanned(spec: str, infos: list[tuple[object, ...]] | None) -> NetError:
        target = parse_target(spec)
        resolver = CachingResolver()
        if infos is not None:
            resolver.answers[(target.host, target.port)] = infos
        with ThreadPoolExecutor(2) as pool, pytest.raises(NetError) as caught:
            await capture_async(target, timeout=2, resolver=resolver, executor=pool)
        return caught.value

    store = _write_root(tmp_path)
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        refused = f"127.0.0.1:{bound.getsockname()[1]}"
        scan = asyncio.run(scanned(refused, None))
        probe = sslpoke.probe(refused, truststore=str(store), timeout=2, reference=False)
    assert (scan.code, str(scan)) == (probe.errors[0].code, _plain(probe.errors[0].message))
    unroutable = "unroutable.example:443"
    scan = asyncio.run(scanned(unroutable, link_local(unroutable, 443)))
    probe = sslpoke.probe(
        unroutable, truststore=str(store), timeout=2, resolver=link_local, reference=False
    )
    assert (scan.code, str(scan)) == (probe.errors[0].code, _plain(probe.errors[0].message))
    assert "[fe80::1]:443: Invalid argument" in str(scan)


def _plain(message: str) -> str:
    """A problem's message is the error's, with a capital and a full stop."""
    return message[:1].lower() + message[1:].removesuffix(".")
