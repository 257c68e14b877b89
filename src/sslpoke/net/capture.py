"""Connect, speak STARTTLS if needed, shake hands: everything the server shows us."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import TYPE_CHECKING, NamedTuple

from sslpoke.net.channel import Conversation, PlainChannel, is_tls_record
from sslpoke.net.connect import CachingResolver, Resolver, open_tcp, shown_address
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
    return shown_address(sock.getpeername())


def answers_tls(
    address: tuple[str, int], seconds: float, source_address: tuple[str, int] | None = None
) -> bool:
    """Does ``address`` answer a TLS ClientHello with a TLS record (a hello or an alert)?

    One extra connection, closed at once; any failure or silence means "no".
    """
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    hello = context.wrap_bio(incoming, outgoing)
    with contextlib.suppress(ssl.SSLWantReadError):  # the hello is written; no answer yet
        hello.do_handshake()
    deadline = time.monotonic() + seconds
    try:
        with socket.create_connection(address, timeout=seconds, source_address=source_address) as s:
            s.sendall(outgoing.read())
            data = b""
            while len(data) < 5:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                s.settimeout(left)
                chunk = s.recv(5 - len(data))
                if not chunk:
                    return False
                data += chunk
            return is_tls_record(data)
    except OSError:
        return False


def open_for_tls(target: Target, timeout: float) -> socket.socket:
    """A TCP connection to ``target`` ready for a ClientHello: after the STARTTLS
    exchange when the target has one. Raises :class:`NetError` or ``OSError``."""
    sock = open_tcp(target.host, target.port, timeout=timeout)
    if target.starttls is not None:
        from sslpoke.net import starttls

        try:
            conv = Conversation(PlainChannel(sock), timeout, target.starttls.value.upper())
            starttls.before_tls(target.starttls, conv, target.servername)
        except BaseException:
            sock.close()
            raise
    return sock


def capture(
    target: Target,
    *,
    timeout: float = 10.0,
    source_address: tuple[str, int] | None = None,
    resolver: Resolver | CachingResolver | None = None,
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
            address = sock.getpeername()[:2]
            conv = Conversation(
                PlainChannel(sock),
                timeout,
                target.starttls.value.upper(),
                tls_check=lambda seconds: answers_tls(address, seconds, source_address),
            )
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
