"""The TLS handshake, run only to capture what the server presents.

Verification is off at the TLS layer (``CERT_NONE``) because a failing chain
makes OpenSSL abort before the chain can be seen; sslpoke then validates the
captured chain itself, with its own rules. Nothing is sent after the handshake.

The handshake runs over memory BIOs on a plain socket, which gives a timeout
on every read, lets STARTTLS hand over an already-open socket, and keeps the
first bytes a non-TLS server sends so they can be quoted.

Chain capture (one small function, :func:`sent_chain`): Python 3.13 made
``SSLObject.get_unverified_chain()`` public; on 3.11 and 3.12 the same method
exists on the private ``_sslobj``. The stdlib is used rather than pyOpenSSL
because it costs no import time, uses the system OpenSSL that ``openssl
s_client`` and most local clients use, and handles timeouts natively.
"""

from __future__ import annotations

import socket
import ssl
import time
import warnings
from collections.abc import Generator
from typing import Any, NamedTuple

from sslpoke.net.errors import NetError, printable
from sslpoke.problems import Code

_CERTIFICATE_REQUEST = 13
_READ_CHUNK = 65536
MAX_HANDSHAKE_BYTES = 1024 * 1024  # a certificate chain larger than this is hostile
_NOT_TLS_REASONS = (
    "WRONG_VERSION_NUMBER",
    "PACKET_LENGTH_TOO_LONG",
    "UNKNOWN_PROTOCOL",
    "RECORD_LAYER_FAILURE",
    "HTTP_REQUEST",
    "LENGTH_MISMATCH",
)
_VERSION_REASONS = (
    "PROTOCOL_VERSION",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "VERSION_TOO_LOW",
)


class TlsFacts(NamedTuple):
    """What the handshake revealed."""

    version: str
    cipher: str
    chain: tuple[bytes, ...]  # DER, exactly as the server sent them, in order
    client_cert_requested: bool
    servername: str | None


def sent_chain(sslobj: ssl.SSLObject) -> tuple[bytes, ...]:
    """The certificates the server sent, as DER, in the order sent."""
    public = getattr(sslobj, "get_unverified_chain", None)
    if public is not None:  # Python 3.13+
        chain = public()
        return tuple(bytes(c) for c in chain or ())
    inner: Any = sslobj._sslobj  # type: ignore[attr-defined]
    chain = inner.get_unverified_chain()
    return tuple(c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain or ())  # type: ignore[attr-defined]


def capture_context() -> ssl.SSLContext:
    """A client context that accepts anything, so that even a broken chain is seen.

    One per process (making one costs about half a millisecond; a scan makes
    thousands of handshakes): connections share it, and its message callback records
    a CertificateRequest against the connection it came on."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # still see SHA-1, MD5 and short-key chains
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1  # and old servers, to report them
        # The raw hook, not ssl.SSLContext._msg_callback's wrapper: that one turns three
        # arguments into enums on each of ~22 messages per handshake (0.27 ms, measured)
        raw = super(ssl.SSLContext, ssl.SSLContext)._msg_callback  # type: ignore[misc]
        raw.__set__(ctx, _on_message)
        _CONTEXT = ctx
    return _CONTEXT


_CONTEXT: ssl.SSLContext | None = None
_REQUESTED = "_sslpoke_certificate_requested"  # set on the SSLObject a request came on


def _requested(sslobj: ssl.SSLObject) -> bool:
    return bool(getattr(sslobj, _REQUESTED, False))


def _on_message(
    conn: Any, direction: str, _version: int, content_type: int, msg_type: int, _data: Any
) -> None:
    if direction == "read" and content_type in (22, 257) and msg_type == _CERTIFICATE_REQUEST:
        setattr(conn, _REQUESTED, True)


class _Core:
    """The sans-I/O half of a capture handshake: an SSLObject on memory BIOs and what
    the server has sent so far. The steps below say what to send and when to read; a
    blocking socket (:func:`handshake`) or the event loop's socket calls
    (:func:`handshake_async`) carry the bytes, so both share every rule and every error
    message."""

    def __init__(self, servername: str | None) -> None:
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        # An A-label as bytes: the ssl module would otherwise import the idna codec for it.
        sni = servername.encode("ascii") if servername and servername.isascii() else servername
        self.sslobj = capture_context().wrap_bio(self.incoming, self.outgoing, server_hostname=sni)
        self.first_bytes = b""
        self.received = 0

    def take(self, data: bytes) -> bool:
        """Hand what the server sent to TLS; False on end of stream. Bounded."""
        if not data:
            self.incoming.write_eof()
            return False
        if len(self.first_bytes) < 512:
            self.first_bytes += data[: 512 - len(self.first_bytes)]
        self.received += len(data)
        if self.received > MAX_HANDSHAKE_BYTES:
            raise NetError(
                Code.HANDSHAKE_FAILURE, "the server sent more than 1 MiB during the handshake"
            )
        self.incoming.write(data)
        return True


#: What the steps ask of their carrier: ("send", bytes) or ("recv", wait or None);
#: a "recv" is answered with the bytes read (b"" at end of stream) or by throwing
#: the carrier's TimeoutError/OSError into the steps.
Step = tuple[str, Any]


def _steps(
    core: _Core, servername: str | None, after_starttls: bool
) -> Generator[Step, bytes | None, TlsFacts]:
    sslobj = core.sslobj
    try:
        while True:
            try:
                sslobj.do_handshake()
                break
            except ssl.SSLWantReadError:
                data = core.outgoing.read()
                if data:
                    yield ("send", data)
                got = yield ("recv", None)
                if not core.take(got or b""):
                    raise _closed(core, sslobj, after_starttls) from None
        data = core.outgoing.read()
        if data:
            yield ("send", data)
        if _requested(sslobj):
            yield from _client_certificate_steps(core)
    except NetError:
        raise
    except ssl.SSLError as exc:
        raise _classify(exc, core, sslobj, _requested(sslobj), after_starttls) from None
    except TimeoutError:
        raise handshake_timeout(core.first_bytes, _safe_chain(sslobj)) from None
    except OSError as exc:
        raise NetError(
            Code.HANDSHAKE_FAILURE,
            f"the connection failed during the TLS handshake: {exc.strerror or exc}",
            chain=_safe_chain(sslobj),
        ) from None
    cipher = sslobj.cipher()
    return TlsFacts(
        version=sslobj.version() or "unknown",
        cipher=cipher[0] if cipher else "unknown",
        chain=sent_chain(sslobj),
        client_cert_requested=_requested(sslobj),
        servername=servername,
    )


def handshake_timeout(first_bytes: bytes, chain: tuple[bytes, ...]) -> NetError:
    """The error for a server that did not finish its side of the handshake in time."""
    return NetError(
        Code.TIMEOUT,
        "the server did not complete the TLS handshake in time",
        said=printable(first_bytes) or None,
        chain=chain,
    )


def _client_certificate_steps(core: _Core) -> Generator[Step, bytes | None, None]:
    """TLS 1.3 servers reject a missing client certificate only after the handshake.

    Wait briefly for that alert; silence means the certificate was optional.
    """
    sslobj = core.sslobj
    try:
        while True:
            try:
                sslobj.read(1)
                return
            except ssl.SSLWantReadError:
                got = yield ("recv", 1.0)
                if not core.take(got or b""):
                    return
    except (TimeoutError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        return
    except ssl.SSLError as exc:
        reason = (exc.reason or "").upper()
        if (
            "CERTIFICATE_REQUIRED" in reason
            or "HANDSHAKE_FAILURE" in reason
            or "BAD_CERTIFICATE" in reason
        ):
            raise NetError(
                Code.CLIENT_CERT_REQUIRED,
                "the server requires a client certificate and closed the connection without one",
                chain=_safe_chain(sslobj),
                tls_version=sslobj.version(),
            ) from None


class _Pump:
    """Moves bytes between a socket and the core's memory BIOs, under a deadline
    (after the handshake: the mail dialogue inside TLS)."""

    def __init__(self, sock: socket.socket, core: _Core, deadline: float) -> None:
        self.sock, self.core, self.sslobj = sock, core, core.sslobj
        self.deadline = deadline

    def flush(self) -> None:
        data = self.core.outgoing.read()
        if data:
            self.sock.settimeout(self._left())
            self.sock.sendall(data)

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def fill(self, wait: float | None = None, deadline: float | None = None) -> bool:
        """Read what the server sent; False on end of stream."""
        if deadline is not None:
            self.deadline = deadline
        timeout = self._left() if wait is None else min(wait, self._left())
        self.sock.settimeout(timeout)
        return self.core.take(self.sock.recv(_READ_CHUNK))


class TlsChannel:
    """Application data inside the TLS connection, for the mail dialogue after the handshake."""

    def __init__(self, pump: _Pump) -> None:
        self.pump = pump

    def send(self, data: bytes) -> None:
        self.pump.sslobj.write(data)
        self.pump.flush()

    def recv(self, deadline: float) -> bytes:
        while True:
            try:
                return self.pump.sslobj.read(65536)
            except ssl.SSLWantReadError:
                if not self.pump.fill(deadline=deadline):
                    return b""
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""


def handshake(
    sock: socket.socket, servername: str | None, *, deadline: float, after_starttls: bool = False
) -> tuple[TlsFacts, TlsChannel]:
    """Run a TLS handshake on a connected socket and capture what the server sent."""
    core = _Core(servername)
    steps = _steps(core, servername, after_starttls)
    reply: bytes | None = None
    error: OSError | None = None
    while True:
        step = _advance(steps, reply, error)
        if isinstance(step, TlsFacts):
            return step, TlsChannel(_Pump(sock, core, deadline))
        (op, arg), reply, error = step, None, None
        try:
            sock.settimeout(_wait(deadline, op, arg))
            if op == "send":
                sock.sendall(arg)
            else:
                reply = sock.recv(_READ_CHUNK)
        except OSError as exc:  # TimeoutError too: the steps decide what it means
            error = exc


def _advance(
    steps: Generator[Step, bytes | None, TlsFacts], reply: bytes | None, error: OSError | None
) -> Step | TlsFacts:
    """Hand the carrier's answer (the bytes read, or the error it met) to the steps: their
    next request, or the facts once the handshake is done."""
    try:
        return steps.throw(error) if error is not None else steps.send(reply)
    except StopIteration as done:
        facts: TlsFacts = done.value
        return facts


def _wait(deadline: float, op: str, arg: Any) -> float:
    """How long the carrier may wait for this step; TimeoutError when the time is up."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left if op == "send" or arg is None else min(arg, left)


async def handshake_async(
    sock: socket.socket,
    servername: str | None,
    *,
    deadline: float,
    after_starttls: bool = False,
) -> TlsFacts:
    """:func:`handshake` on the running event loop, for a non-blocking socket: the same
    steps, rules and errors. The loop's own socket calls, not streams, and one timeout
    scope per step, not ``wait_for`` (which makes a task each time): a scan does
    thousands of these, and that machinery was about 7 % of its CPU per handshake."""
    import asyncio

    from sslpoke.net import aio

    loop = asyncio.get_running_loop()
    steps = _steps(_Core(servername), servername, after_starttls)
    reply: bytes | None = None
    error: OSError | None = None
    while True:
        step = _advance(steps, reply, error)
        if isinstance(step, TlsFacts):
            return step
        (op, arg), reply, error = step, None, None
        try:
            async with asyncio.timeout(_wait(deadline, op, arg)):
                if op == "send":
                    await aio.sendall(loop, sock, arg)
                else:
                    reply = await aio.recv(loop, sock, _READ_CHUNK)
        except OSError as exc:  # TimeoutError too
            error = exc


def _safe_chain(sslobj: ssl.SSLObject) -> tuple[bytes, ...]:
    try:
        return sent_chain(sslobj)
    except Exception:
        return ()


def _closed(pump: _Core, sslobj: ssl.SSLObject, after_starttls: bool) -> NetError:
    if pump.received == 0:
        return NetError(
            Code.HANDSHAKE_FAILURE,
            "the server closed the connection without answering the TLS hello",
        )
    if not pump.first_bytes.startswith((b"\x15", b"\x16")):
        return _not_tls(pump, after_starttls)
    return NetError(
        Code.HANDSHAKE_FAILURE,
        "the server closed the connection during the TLS handshake",
        chain=_safe_chain(sslobj),
    )


def _not_tls(pump: _Core, after_starttls: bool) -> NetError:
    # The first line is the server's own; what follows is its complaint about our TLS hello.
    said = printable(pump.first_bytes.split(b"\n", 1)[0])
    if after_starttls:
        return NetError(
            Code.PROTOCOL_MISMATCH,
            "after STARTTLS the server answered in plain text instead of starting TLS",
            said=said,
        )
    if pump.first_bytes[:3].isdigit() or pump.first_bytes.startswith(
        (b"+OK", b"* OK", b"SSH-", b"HTTP/", b"<?xml", b"<stream")
    ):
        return NetError(
            Code.PROTOCOL_MISMATCH,
            "the server sent a plain-text greeting instead of TLS: this port expects STARTTLS or no TLS at all",
            said=said,
        )
    return NetError(
        Code.NOT_TLS, "the server did not answer with TLS", said=printable(pump.first_bytes)
    )


def _classify(
    exc: ssl.SSLError, pump: _Core, sslobj: ssl.SSLObject, requested: bool, after_starttls: bool
) -> NetError:
    reason = (exc.reason or "").upper()
    chain = _safe_chain(sslobj)
    if any(r in reason for r in _NOT_TLS_REASONS) and not pump.first_bytes.startswith(
        (b"\x15", b"\x16")
    ):
        return _not_tls(pump, after_starttls)
    if "CERTIFICATE_REQUIRED" in reason or (
        requested and ("HANDSHAKE_FAILURE" in reason or "BAD_CERTIFICATE" in reason)
    ):
        return NetError(
            Code.CLIENT_CERT_REQUIRED,
            "the server requires a client certificate and closed the connection without one",
            chain=chain,
        )
    if any(r in reason for r in _VERSION_REASONS):
        return NetError(
            Code.HANDSHAKE_FAILURE,
            f"no TLS version in common with the server ({_words(reason)})",
            chain=chain,
        )
    if "ALERT" in reason:
        return NetError(
            Code.HANDSHAKE_FAILURE,
            f"the server aborted the handshake: {_words(reason)}",
            chain=chain,
        )
    return NetError(
        Code.HANDSHAKE_FAILURE, f"the TLS handshake failed: {_words(reason) or exc}", chain=chain
    )


def _words(reason: str) -> str:
    return reason.replace("_", " ").lower()
