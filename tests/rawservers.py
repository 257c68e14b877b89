"""Small hostile or odd servers on loopback, for the failure paths.

Each runs on its own thread and is stopped by its context manager; none of
them sleeps: they wait on sockets, and the client's timeout is what ends a
silent exchange.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[socket.socket], None]


@contextmanager
def raw_server(handler: Handler, host: str = "127.0.0.1") -> Iterator[int]:
    """Serve every connection with ``handler``; yields the port."""
    listener = socket.create_server((host, 0))
    port = listener.getsockname()[1]
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(timeout=2)


def _run(handler: Handler, conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        handler(conn)


def silent(conn: socket.socket) -> None:
    """Accept and never answer (the client must time out)."""
    with contextlib.suppress(OSError):
        conn.recv(65536)
        conn.recv(65536)  # blocks until the client gives up and closes


def http_error(conn: socket.socket) -> None:
    """A plain HTTP server: answers a TLS hello with an HTTP error."""
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    conn.close()


def tls_alert(conn: socket.socket) -> None:
    """Answer the ClientHello with a fatal handshake_failure alert."""
    conn.recv(65536)
    conn.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
    conn.close()


def close_at_once(conn: socket.socket) -> None:
    conn.close()


def banner(text: bytes) -> Handler:
    """Greet with a plain-text banner, then wait (an SMTP or IMAP server without TLS)."""

    def handler(conn: socket.socket) -> None:
        conn.sendall(text)
        with contextlib.suppress(OSError):
            while conn.recv(65536):
                pass

    return handler


def script(steps: list[tuple[bytes, bytes | None]]) -> Handler:
    """A dialogue: for each step, send ``reply`` after reading a line starting with ``expect``.

    ``expect`` of b"" means "send at once"; a ``None`` reply closes the connection;
    the special reply b"ENDLESS" streams bytes without a newline, b"SILENCE" stops answering.
    """

    def handler(conn: socket.socket) -> None:
        buffer = b""
        for expect, reply in steps:
            if expect:
                while b"\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                line, _, buffer = buffer.partition(b"\n")
                if not line.upper().startswith(expect.upper()):
                    conn.sendall(b"500 unexpected\r\n")
                    return
            if reply is None:
                conn.close()
                return
            if reply == b"SILENCE":
                silent(conn)
                return
            if reply == b"ENDLESS":
                with contextlib.suppress(OSError):
                    for _ in range(4096):
                        conn.sendall(b"x" * 1024)
                return
            conn.sendall(reply)
        silent(conn)

    return handler
