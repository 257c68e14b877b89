"""TCP connection with a deadline on every step, including the DNS lookup."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from sslpoke.net.errors import NetError
from sslpoke.problems import Code
from sslpoke.target import is_ip_literal

Resolver = Callable[..., list[tuple[Any, ...]]]


def _resolve(host: str, port: int, timeout: float, resolver: Resolver) -> list[tuple[Any, ...]]:
    """getaddrinfo has no timeout of its own; run it aside and stop waiting at the deadline."""
    query: str | bytes = host
    if resolver is socket.getaddrinfo:
        if is_ip_literal(host):
            return socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        # Target hosts are already A-labels; as bytes they skip the idna codec's import.
        query = host.encode("ascii") if host.isascii() else host
    result: list[Any] = []

    def lookup() -> None:
        try:
            result.append(resolver(query, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # delivered to the caller below
            result.append(exc)

    worker = threading.Thread(target=lookup, name="sslpoke-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        raise NetError(Code.TIMEOUT, f"looking up {host} took longer than {timeout:g} s")
    outcome = result[0]
    if isinstance(outcome, socket.gaierror):
        raise NetError(Code.DNS_FAILURE, f"cannot resolve {host}: {outcome.strerror or outcome}")
    if isinstance(outcome, Exception):
        raise NetError(Code.DNS_FAILURE, f"cannot resolve {host}: {outcome}")
    return list(outcome)


class CachingResolver:
    """Looks each host up once (a scan connects to the same hosts many times); failures
    are not kept, so a host that did not resolve is asked again. Bounded."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.answers: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
        self.lock = threading.Lock()

    def lookup(self, host: str, port: int, timeout: float) -> list[tuple[Any, ...]]:
        key = (host.lower(), port)
        found = self.answers.get(key)
        if found is None:
            found = _resolve(host, port, timeout, socket.getaddrinfo)
            with self.lock:
                if len(self.answers) < self.limit:
                    self.answers[key] = found
        return found


def open_tcp(
    host: str,
    port: int,
    *,
    timeout: float,
    source_address: tuple[str, int] | None = None,
    resolver: Resolver | CachingResolver | None = None,
) -> socket.socket:
    """Connect to the first address that answers; raise :class:`NetError` otherwise."""
    deadline = time.monotonic() + timeout
    if isinstance(resolver, CachingResolver):
        infos = resolver.lookup(host, port, timeout)
    else:
        infos = _resolve(host, port, timeout, resolver or socket.getaddrinfo)
    failures: list[tuple[Code, str]] = []
    for family, socktype, proto, _name, address in infos:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, socktype, proto)
        try:
            sock.settimeout(left)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(address)
        except OSError as exc:
            failures.append(connect_error(exc, address, timeout))
        else:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        sock.close()
    raise connect_failure(failures, host, port, timeout)


def connect_failure(
    failures: list[tuple[Code, str]], host: str, port: int, timeout: float
) -> NetError:
    """The error for a connection no address accepted: refused beats timeout beats others."""
    if not failures:
        return NetError(
            Code.TIMEOUT, f"could not connect to {host} port {port} within {timeout:g} s"
        )
    for code in (Code.CONNECTION_REFUSED, Code.TIMEOUT, Code.CONNECTION_FAILED):
        for found, message in failures:
            if found is code:
                return NetError(code, message)
    return NetError(*failures[0])


def connect_error(exc: OSError, address: tuple[Any, ...], timeout: float) -> tuple[Code, str]:
    """One address's failure, in words."""
    if isinstance(exc, ConnectionRefusedError):
        return Code.CONNECTION_REFUSED, f"{shown_address(address)} refused the connection"
    if isinstance(exc, TimeoutError):
        return Code.TIMEOUT, f"{shown_address(address)} did not answer within {timeout:g} s"
    return Code.CONNECTION_FAILED, f"{shown_address(address)}: {exc.strerror or exc}"


def shown_address(address: tuple[Any, ...]) -> str:
    """``host:port``, or ``[v6]:port``."""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
