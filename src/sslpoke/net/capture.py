"""Connect, speak STARTTLS if needed, shake hands: everything the server shows us."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, NamedTuple

from sslpoke.net.channel import Conversation, PlainChannel
from sslpoke.net.connect import Resolver, open_tcp
from sslpoke.net.errors import NetError
from sslpoke.net.tls import TlsFacts, handshake
from sslpoke.problems import Code
from sslpoke.target import Target

if TYPE_CHECKING:
    from sslpoke.net.starttls import Greeting, MailAuth


class Capture(NamedTuple):
    target: Target
    peer: str  # the address actually connected to
    tls: TlsFacts
    greeting: Greeting | None  # the plaintext part, for STARTTLS
    auth_after_tls: MailAuth | None  # what a mail server offers once inside TLS
    seconds: float


def _peer(sock: socket.socket) -> str:
    address = sock.getpeername()
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def capture(
    target: Target,
    *,
    timeout: float = 10.0,
    source_address: tuple[str, int] | None = None,
    resolver: Resolver | None = None,
) -> Capture:
    """Reach ``target`` and capture its certificates. Raises :class:`NetError`.

    ``timeout`` bounds each step on its own (lookup, connect, each STARTTLS
    exchange, the handshake), so a slow server fails one step, clearly.
    """
    started = time.monotonic()
    sock = open_tcp(
        target.host, target.port, timeout=timeout, source_address=source_address, resolver=resolver
    )
    try:
        peer = _peer(sock)
        greeting = None
        if target.starttls is not None or target.application is not None:
            from sslpoke.net import starttls
        if target.starttls is not None:
            conv = Conversation(PlainChannel(sock), timeout, target.starttls.value.upper())
            greeting = starttls.before_tls(target.starttls, conv, target.servername)
            if conv.pending:
                raise NetError(
                    Code.PROTOCOL_MISMATCH,
                    "the server sent data after agreeing to STARTTLS and before TLS began "
                    "(a sign of a STARTTLS injection flaw or a middlebox)",
                )
        facts, channel = handshake(
            sock,
            target.servername,
            deadline=time.monotonic() + timeout,
            after_starttls=target.starttls is not None,
        )
        auth_after = None
        if target.application is not None and target.application in starttls.MAIL:
            tls_conv = Conversation(channel, timeout, target.application.value.upper())
            try:
                auth_after = starttls.after_tls(
                    target.application, tls_conv, implicit=target.starttls is None
                )
            except NetError:
                auth_after = None  # informational only: never fail a probe for it
        return Capture(target, peer, facts, greeting, auth_after, time.monotonic() - started)
    finally:
        sock.close()
