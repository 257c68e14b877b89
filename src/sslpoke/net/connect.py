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


def open_tcp(
    host: str,
    port: int,
    *,
    timeout: float,
    source_address: tuple[str, int] | None = None,
    resolver: Resolver | None = None,
) -> socket.socket:
    """Connect to the first address that answers; raise :class:`NetError` otherwise."""
    deadline = time.monotonic() + timeout
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
        except ConnectionRefusedError:
            failures.append((Code.CONNECTION_REFUSED, f"{_addr(address)} refused the connection"))
        except TimeoutError:
            failures.append((Code.TIMEOUT, f"{_addr(address)} did not answer within {timeout:g} s"))
        except OSError as exc:
            failures.append((Code.CONNECTION_FAILED, f"{_addr(address)}: {exc.strerror or exc}"))
        else:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        sock.close()
    if not failures:
        raise NetError(
            Code.TIMEOUT, f"could not connect to {host} port {port} within {timeout:g} s"
        )
    # Report the most telling failure: refused beats timeout beats other errors.
    for code in (Code.CONNECTION_REFUSED, Code.TIMEOUT, Code.CONNECTION_FAILED):
        for found, message in failures:
            if found is code:
                raise NetError(code, message)
    raise NetError(*failures[0])


def _addr(address: tuple[Any, ...]) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
