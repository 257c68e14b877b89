"""What a server accepts, found with as few connections as possible.

Cipher suites by elimination: offer up to 128 candidates, note the one the
server picks, take it out, offer the rest again, until the server refuses; the
picks come out in the server's order when it has one (checked with one hello
offering them reversed). TLS 1.3 groups by HelloRetryRequest elimination (a hello
with no key share makes the server name the group it wants); TLS 1.2 curves and
DH sizes from ServerKeyExchange. Every connection goes through one gate: at most
``max_connections`` at once to the host, each with its own deadline.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from sslpoke.audit import wire
from sslpoke.audit.suites import (
    MODERN_SIGALGS,
    SHA1_SIGALGS,
    TLS12_CURVES,
    TLS13_GROUPS,
    Suite,
    suites,
)
from sslpoke.target import Target

MAX_SUITES_PER_HELLO = 128
VERSIONS = (wire.TLS10, wire.TLS11, wire.TLS12)


class VersionResult(NamedTuple):
    version: int
    offered: bool  # the server accepts this version
    suites: tuple[int, ...]  # accepted, in the server's order if ``server_order``
    server_order: bool | None  # None: fewer than two suites, or not checked


class Enumeration(NamedTuple):
    target: str
    sslv2: bool
    versions: dict[int, VersionResult]  # SSLv3 ... TLSv1.3
    tls13_groups: tuple[int, ...]  # in the server's order of preference
    tls12_curves: tuple[int, ...]
    dh_bits: int | None
    sigalgs_seen: tuple[int, ...]  # what the server signed ServerKeyExchange with
    requires_sha1_signature: bool  # TLS 1.2 works only if SHA-1 signatures are offered
    secure_renegotiation: bool | None
    session_resumption: bool | None  # a ticket or a session id
    alpn: str | None
    certificates: dict[str, tuple[bytes, ...]]  # "RSA"/"ECDSA" -> chain (TLS 1.2)
    connections: int
    seconds: float
    sct_list: bytes = b""  # SCTs the server sent in a TLS 1.2 ServerHello extension

    @property
    def protocols(self) -> list[int]:
        return [v for v, r in sorted(self.versions.items()) if r.offered] + (
            [0x0002] if self.sslv2 else []
        )


class _Gate:
    """At most N connections at once; counts every connection opened."""

    def __init__(self, target: Target, timeout: float, cap: int) -> None:
        self.target, self.timeout = target, timeout
        self.sem = threading.BoundedSemaphore(max(1, cap))
        self.lock = threading.Lock()
        self.count = 0

    def ask(self, hello: bytes, *, sslv2: bool = False) -> wire.ServerFlight:
        from sslpoke.net.errors import NetError

        with self.sem:
            with self.lock:
                self.count += 1
            try:
                sock = self._open()
            except (NetError, OSError) as exc:
                return wire.ServerFlight(alert=f"connect: {exc}")
            try:
                return wire.exchange(sock, hello, time.monotonic() + self.timeout, sslv2=sslv2)
            except (wire.WireError, OSError) as exc:
                return wire.ServerFlight(alert=f"{type(exc).__name__}: {exc}")
            finally:
                sock.close()

    def _open(self) -> socket.socket:
        from sslpoke.net.capture import open_for_tls

        return open_for_tls(self.target, self.timeout)


def _candidates(version: int) -> list[Suite]:
    """Suites worth offering at ``version``, the common ones first (servers fail on
    unknown long lists more often than on a missing rare suite)."""
    pool = [
        s
        for s in suites().values()
        if not s.tls13
        and s.code not in (0x0000, wire.SCSV_RENEGOTIATION, 0x5600)
        and (version >= wire.TLS12 or s.since in ("SSL3", "TLS1"))
        and (version > wire.SSL3 or s.since == "SSL3")
    ]

    def rank(s: Suite) -> tuple[int, int]:
        common = (s.kex or "") in ("ECDHE", "DHE", "RSA") and (s.auth or "") in (
            "RSA",
            "ECDSA",
            "DSS",
        )
        return (
            0 if common and s.cipher in ("AES_128", "AES_256", "CHACHA20") else 1 if common else 2,
            s.code,
        )

    return sorted(pool, key=rank)


def _eliminate(
    ask: Callable[[list[int]], wire.ServerFlight],
    candidates: list[int],
    *,
    version: int,
    on_flight: Callable[[wire.ServerFlight], None],
) -> tuple[bool, list[int]]:
    """(version accepted, suites in pick order)."""
    remaining = list(candidates)
    picked: list[int] = []
    version_ok = False
    while remaining:
        chunk = remaining[:MAX_SUITES_PER_HELLO]
        flight = ask(chunk)
        on_flight(flight)
        chosen_version = flight.version
        if flight.accepted and chosen_version is not None and chosen_version != version:
            break  # the server answered with another version: it does not do this one
        if flight.accepted and flight.suite in chunk:
            version_ok = True
            picked.append(flight.suite)
            remaining.remove(flight.suite)
            continue
        if not picked and flight.alert == "protocol_version":
            break
        remaining = remaining[len(chunk) :]  # none of this chunk is accepted
    return version_ok, picked


def enumerate_server(
    target: Target,
    *,
    timeout: float = 5.0,
    max_connections: int = 5,
    thorough: bool = False,
) -> Enumeration:
    started = time.monotonic()
    gate = _Gate(target, timeout, max_connections)
    sni = target.servername
    flights: list[wire.ServerFlight] = []
    flights_lock = threading.Lock()

    def keep(flight: wire.ServerFlight) -> None:
        with flights_lock:
            flights.append(flight)

    def hello(version: int, suite_list: Iterable[int], **kw: object) -> bytes:
        return wire.client_hello(wire.Hello(version, tuple(suite_list), sni, **kw))  # type: ignore[arg-type]

    def tls_version(version: int) -> VersionResult:
        candidates = [s.code for s in _candidates(version)]
        if thorough:
            accepted = []
            for code in candidates:
                f = gate.ask(hello(version, [code]))
                keep(f)
                if f.accepted and f.version == version and f.suite == code:
                    accepted.append(code)
            return VersionResult(version, bool(accepted), tuple(accepted), None)
        ok, picked = _eliminate(
            lambda chunk: gate.ask(hello(version, chunk)),
            candidates,
            version=version,
            on_flight=keep,
        )
        order = None
        if len(picked) >= 2:
            f = gate.ask(hello(version, list(reversed(picked))))
            keep(f)
            order = f.suite == picked[0]
        return VersionResult(version, ok, tuple(picked), order)

    def tls13() -> VersionResult:
        candidates = [s.code for s in suites().values() if s.tls13]
        groups = tuple(TLS13_GROUPS)
        ok, picked = _eliminate(
            lambda chunk: gate.ask(hello(wire.TLS13, chunk, groups=groups)),
            candidates,
            version=wire.TLS13,
            on_flight=keep,
        )
        order = None
        if len(picked) >= 2:
            f = gate.ask(hello(wire.TLS13, list(reversed(picked)), groups=groups))
            order = f.suite == picked[0]
        return VersionResult(wire.TLS13, ok, tuple(picked), order)

    with ThreadPoolExecutor(max_workers=max(1, max_connections)) as pool:
        sslv2_f = pool.submit(gate.ask, wire.sslv2_client_hello(), sslv2=True)
        sslv3_f = pool.submit(tls_version, wire.SSL3)
        version_fs = {v: pool.submit(tls_version, v) for v in VERSIONS}
        tls13_f = pool.submit(tls13)
        results = {v: f.result() for v, f in version_fs.items()}
        results[wire.SSL3] = sslv3_f.result()
        results[wire.TLS13] = tls13_f.result()
        sslv2 = sslv2_f.result().sslv2

        # TLS 1.3 groups: HelloRetryRequest elimination (no key share offered)
        groups13: list[int] = []
        t13 = results[wire.TLS13]
        if t13.offered:
            remaining = list(TLS13_GROUPS)
            while remaining:
                f = gate.ask(hello(wire.TLS13, t13.suites, groups=tuple(remaining), key_shares=()))
                if f.group is None or f.group not in remaining:
                    break
                groups13.append(f.group)
                remaining.remove(f.group)

        best12 = results[wire.TLS12] if results[wire.TLS12].offered else None
        ecdhe = [c for c in (best12.suites if best12 else ()) if suites()[c].kex == "ECDHE"]
        curves: list[int] = []
        if ecdhe:
            remaining = list(TLS12_CURVES)
            while remaining:
                f = gate.ask(hello(wire.TLS12, ecdhe, groups=tuple(remaining)))
                keep(f)
                if not f.accepted or f.group is None or f.group not in remaining:
                    break
                curves.append(f.group)
                remaining.remove(f.group)

        dh_bits = next((f.dh_bits for f in flights if f.dh_bits), None)
        signed = [c for c in (best12.suites if best12 else ()) if suites()[c].forward_secret]
        requires_sha1 = False
        if signed:
            modern = gate.ask(hello(wire.TLS12, signed, sigalgs=tuple(MODERN_SIGALGS)))
            keep(modern)
            if not modern.accepted:
                sha1 = gate.ask(hello(wire.TLS12, signed, sigalgs=SHA1_SIGALGS))
                keep(sha1)
                requires_sha1 = sha1.accepted
        top = (
            wire.TLS13
            if t13.offered
            else max((v for v, r in results.items() if r.offered), default=None)
        )
        alpn = None
        if top is not None:
            suites_top = results[top].suites
            groups_kw = {"groups": tuple(TLS13_GROUPS)} if top == wire.TLS13 else {}
            f = gate.ask(hello(top, suites_top, alpn=("h2", "http/1.1"), **groups_kw))
            keep(f)
            alpn = f.alpn

    certificates: dict[str, tuple[bytes, ...]] = {}
    for f in flights:
        if f.certificates and f.suite is not None and f.suite in suites():
            auth = suites()[f.suite].auth or ""
            kind = "ECDSA" if auth == "ECDSA" else "RSA" if auth == "RSA" else auth
            certificates.setdefault(kind, f.certificates)
    if best12 and best12.offered and "ECDSA" not in certificates and "RSA" in certificates:
        ec = [c for c in _candidates(wire.TLS12) if (c.auth or "") == "ECDSA"]
        f = gate.ask(hello(wire.TLS12, [c.code for c in ec][:MAX_SUITES_PER_HELLO]))
        if f.accepted and f.certificates:
            certificates["ECDSA"] = f.certificates
    legacy = [f for f in flights if f.accepted and f.version is not None and f.version < wire.TLS13]
    reneg = any(wire.EXT_RENEGOTIATION in f.extensions for f in legacy) if legacy else None
    resumption = (
        any(wire.EXT_TICKET in f.extensions or f.session_id for f in legacy) if legacy else None
    )
    sigs = tuple(dict.fromkeys(f.sigalg for f in flights if f.sigalg is not None))
    return Enumeration(
        str(target),
        sslv2,
        results,
        tuple(groups13),
        tuple(curves),
        dh_bits,
        sigs,
        requires_sha1,
        reneg,
        resumption,
        alpn,
        certificates,
        gate.count,
        time.monotonic() - started,
        next((f.sct_list for f in flights if f.sct_list), b""),
    )
