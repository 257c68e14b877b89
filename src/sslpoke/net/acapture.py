"""The capture on an asyncio event loop, for scans: thousands of endpoints in flight
on one thread, with the same handshake steps, rules and errors as :func:`capture`.

Implicit TLS runs on the loop (connect, ClientHello, the server's flight); a target
that needs a plaintext dialogue first (STARTTLS, or the mail dialogue after TLS)
runs the blocking :func:`~sslpoke.net.capture.capture` on the executor given, as do
DNS lookups the resolver has not seen yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from concurrent.futures import Executor

from sslpoke.net import aio, tls13
from sslpoke.net.capture import Capture, capture
from sslpoke.net.connect import CachingResolver, connect_error, connect_failure, shown_address
from sslpoke.net.errors import NetError
from sslpoke.net.tls import handshake_async
from sslpoke.problems import Code
from sslpoke.target import Target

NOT_PLAIN_LIMIT = 65536


async def capture_async(
    target: Target,
    *,
    timeout: float,
    resolver: CachingResolver,
    executor: Executor,
    by_hand: bool = True,
    not_plain: set[str] | None = None,
    keys: tls13.ClientKeys | None = None,
) -> Capture:
    """Reach ``target`` and capture its certificates. Raises :class:`NetError`.

    ``by_hand``: try the TLS 1.3 capture of :mod:`sslpoke.net.tls13` first (about half
    the CPU); a server that is not its plain case gets the OpenSSL capture on a new
    connection, so what is reported is the same either way. ``not_plain``: the listening
    addresses (``ip:port``) that were not, kept across a scan (at most
    :data:`NOT_PLAIN_LIMIT`): the names they serve next go to OpenSSL at once — a load
    balancer serving 500 names over TLS 1.2 costs one hello in vain, not 500.
    ``keys``: the scan's client keys for the TLS 1.3 capture (:class:`tls13.ClientKeys`)."""
    loop = asyncio.get_running_loop()
    if target.starttls is not None or target.application is not None:
        return await loop.run_in_executor(
            executor, lambda: capture(target, timeout=timeout, resolver=resolver)
        )
    started = time.monotonic()
    infos = resolver.answers.get((target.host.lower(), target.port))
    if infos is None:
        infos = await loop.run_in_executor(
            executor, resolver.lookup, target.host, target.port, timeout
        )
    deadline = started + timeout
    failures: list[tuple[Code, str]] = []
    for family, socktype, proto, _name, address in infos:
        listener = f"{address[0]}:{address[1]}"
        known = not_plain is not None and listener in not_plain
        for fast in (True, False) if by_hand and not known else (False,):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock = socket.socket(family, socktype, proto)
            sock.setblocking(False)
            try:
                async with asyncio.timeout(left):
                    await aio.connect(loop, sock, address)
            except OSError as exc:  # TimeoutError too
                sock.close()
                failures.append(connect_error(exc, address, timeout))
                break
            try:
                with contextlib.suppress(OSError):  # reset already: the handshake says how
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                until = time.monotonic() + timeout
                facts = await (
                    tls13.handshake_async(
                        sock,
                        target.servername,
                        deadline=until,
                        private_key=keys.next() if keys is not None else None,
                    )
                    if fast
                    else handshake_async(sock, target.servername, deadline=until)
                )
            finally:
                sock.close()  # no close_notify dance: the capture is done
            if facts is not None:
                elapsed = time.monotonic() - started
                return Capture(target, shown_address(address), facts, None, None, elapsed)
            if not_plain is not None and len(not_plain) < NOT_PLAIN_LIMIT:
                not_plain.add(listener)
    raise connect_failure(failures, target.host, target.port, timeout)


__all__ = ["NetError", "capture_async"]
