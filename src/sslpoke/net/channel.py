"""Byte and line I/O for protocol dialogues, plain or inside TLS, bounded and timed.

A dialogue is a series of steps: the server speaks first, or answers what we
sent. Each step has one deadline, set when it starts (the connection, or each
thing we send) and never moved by what the server sends, so a server that
trickles a line a second still stops at ``--timeout``. A line may not exceed
``MAX_LINE`` bytes, a whole dialogue ``MAX_DIALOGUE_BYTES`` bytes and
``MAX_DIALOGUE_LINES`` lines: a server that floods gets a clear error, never a
hang or a memory blow-up.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Protocol

from sslpoke.net.errors import NetError, printable
from sslpoke.problems import Code

MAX_LINE = 8192
MAX_REPLY_LINES = 200
MAX_DIALOGUE_LINES = 1000
MAX_DIALOGUE_BYTES = 1 << 20


class Channel(Protocol):
    def send(self, data: bytes) -> None: ...

    def recv(self, deadline: float) -> bytes:
        """Some bytes, or ``b""`` at end of stream; raises TimeoutError past the deadline."""
        ...


class PlainChannel:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        return self.sock.recv(65536)


# A server-first dialect (SMTP, IMAP, POP3, FTP, MySQL) pointed at a port that expects TLS at
# once hears nothing. After this much silence sslpoke asks the port, on a second connection,
# whether it answers a TLS hello, instead of waiting out the whole --timeout.
SILENCE_BEFORE_TLS_CHECK = 1.5


class Conversation:
    """A plaintext or TLS dialogue: lines, replies and raw bytes, all bounded and timed.

    ``tls_check(seconds)``, where given, says whether the port answers a TLS hello on
    another connection: used once, when the server stays silent where it should greet.
    """

    def __init__(
        self,
        channel: Channel,
        timeout: float,
        what: str,
        *,
        tls_check: Callable[[float], bool] | None = None,
    ) -> None:
        self.channel = channel
        self.tls_check = tls_check
        self.timeout = timeout
        self.what = what  # e.g. "SMTP", used in error messages
        self.buffer = b""
        self.heard = False  # has the server sent anything yet?
        self.transcript: list[str] = []
        self.deadline = time.monotonic() + timeout  # of the current step
        self.received = 0
        self.lines = 0

    def send_line(self, line: str) -> None:
        self.transcript.append("C: " + line)
        self.send(line.encode("ascii") + b"\r\n")

    def send(self, data: bytes) -> None:
        self.deadline = time.monotonic() + self.timeout  # a new step: the server may answer
        try:
            self.channel.send(data)
        except OSError as exc:
            raise NetError(
                Code.CONNECTION_FAILED,
                f"{self.what}: the connection broke while sending ({exc.strerror or exc})",
            ) from None

    def _more(self, deadline: float | None = None) -> None:
        deadline = self.deadline if deadline is None else min(deadline, self.deadline)
        if self.received > MAX_DIALOGUE_BYTES:
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: the server sent more than {MAX_DIALOGUE_BYTES >> 20} MiB "
                "without completing the exchange",
                said=printable(self.buffer[:200]) or None,
            )
        try:
            data = self._recv_or_check_tls(deadline)
        except TimeoutError:
            hint = ""
            if not self.heard and isinstance(self.channel, PlainChannel):
                hint = (
                    "; it sent nothing at all, as a port that expects TLS at once does: "
                    "try --no-starttls, or the TLS URL scheme (e.g. imaps://)"
                )
            raise NetError(
                Code.TIMEOUT,
                f"{self.what}: the server did not answer within {self.timeout:g} s{hint}",
                said=printable(self.buffer) or None,
            ) from None
        except OSError as exc:
            raise NetError(
                Code.CONNECTION_FAILED, f"{self.what}: the connection broke ({exc.strerror or exc})"
            ) from None
        if not data:
            raise NetError(
                Code.STARTTLS_REFUSED if self.transcript else Code.PROTOCOL_MISMATCH,
                f"{self.what}: the server closed the connection",
                said=printable(self.buffer) or None,
            )
        if not self.heard and is_tls_record(data) and isinstance(self.channel, PlainChannel):
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: this port speaks TLS directly (it answered in TLS, not "
                f"{self.what}): use the TLS URL scheme (smtps://, imaps://, ldaps://...) or "
                "--no-starttls",
            )
        self.heard = True
        self.received += len(data)
        self.buffer += data

    def _recv_or_check_tls(self, deadline: float) -> bytes:
        silent = (
            self.tls_check is not None
            and not self.heard
            and not self.transcript
            and isinstance(self.channel, PlainChannel)
        )
        if not silent:
            return self.channel.recv(deadline)
        check, self.tls_check = self.tls_check, None  # once
        assert check is not None
        early = min(deadline, time.monotonic() + SILENCE_BEFORE_TLS_CHECK)
        try:
            return self.channel.recv(early)
        except TimeoutError:
            if early >= deadline:
                raise
        if check(max(0.1, deadline - time.monotonic())):
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: this port speaks TLS directly (it sent no {self.what} greeting, "
                "and answers a TLS hello): use the TLS URL scheme (smtps://, imaps://, "
                "pop3s://...) or --no-starttls",
            )
        return self.channel.recv(deadline)

    def read_exact(self, n: int) -> bytes:
        if n > MAX_DIALOGUE_BYTES:
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: the server announced a {n}-byte message, more than sslpoke reads",
            )
        while len(self.buffer) < n:
            self._more()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def read_until(self, markers: tuple[bytes, ...], limit: int = 65536) -> bytes:
        """Bytes up to and including the first of ``markers``."""
        while True:
            hits = [(self.buffer.find(m), m) for m in markers if m in self.buffer]
            if hits:
                pos, marker = min(hits)
                end = pos + len(marker)
                out, self.buffer = self.buffer[:end], self.buffer[end:]
                return out
            if len(self.buffer) > limit:
                raise NetError(
                    Code.PROTOCOL_MISMATCH,
                    f"{self.what}: the server sent more than {limit} bytes without the expected reply",
                    said=printable(self.buffer),
                )
            self._more()

    def read_line(self, deadline: float | None = None) -> str:
        """One line, within the step's deadline (or an earlier one given)."""
        self.lines += 1
        if self.lines > MAX_DIALOGUE_LINES:
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: the server sent more than {MAX_DIALOGUE_LINES} lines",
                said=printable(self.buffer[:200]) or None,
            )
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise NetError(
                    Code.PROTOCOL_MISMATCH,
                    f"{self.what}: the server sent a line longer than {MAX_LINE} bytes",
                    said=printable(self.buffer),
                )
            self._more(deadline)
        raw, _, self.buffer = self.buffer.partition(b"\n")
        if len(raw) > MAX_LINE:
            raise NetError(
                Code.PROTOCOL_MISMATCH,
                f"{self.what}: the server sent a line longer than {MAX_LINE} bytes",
                said=printable(raw),
            )
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        self.transcript.append("S: " + line)
        return line

    def read_reply(self, is_last: Callable[[str], bool], limit: int = MAX_REPLY_LINES) -> list[str]:
        """Lines until ``is_last(line)`` says the reply is complete."""
        lines: list[str] = []
        while len(lines) < limit:
            line = self.read_line()
            lines.append(line)
            if is_last(line):
                return lines
        raise NetError(
            Code.PROTOCOL_MISMATCH, f"{self.what}: the server's reply has more than {limit} lines"
        )

    @property
    def pending(self) -> bytes:
        return self.buffer


def is_tls_record(data: bytes) -> bool:
    """A TLS record header (alert or handshake, TLS 1.0-1.3) where plaintext was expected."""
    return len(data) >= 5 and data[0] in (0x15, 0x16) and data[1] == 3 and data[2] <= 4
