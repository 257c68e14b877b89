"""A real TLS server on 127.0.0.1, serving any chain, for the demo and the tests.

It accepts connections on a background thread until closed, completes the
handshake with whatever chain it was given (in the order given, extras
included), and closes. ``SECLEVEL=0`` lets it serve SHA-1, MD5 and short-key
chains, which stock OpenSSL refuses to load.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from sslpoke.lab.pki import Issued


class TlsServer:
    def __init__(
        self,
        chain: Sequence[Issued],
        *,
        key: Issued | None = None,
        host: str = "127.0.0.1",
        require_client_cert: bool = False,
        max_version: ssl.TLSVersion | None = None,
        min_version: ssl.TLSVersion | None = None,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="sslpoke-lab-")
        folder = Path(self._tmp.name)
        (folder / "chain.pem").write_bytes(b"".join(c.pem for c in chain))
        (folder / "key.pem").write_bytes((key or chain[0]).key_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if min_version is not None:
                ctx.minimum_version = min_version
            if max_version is not None:
                ctx.maximum_version = max_version
        ctx.load_cert_chain(folder / "chain.pem", folder / "key.pem")
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cadata=chain[-1].pem.decode())
        self.context = ctx
        self.listener = socket.create_server((host, 0))
        self.host = host
        self.port: int = self.listener.getsockname()[1]
        self.handshakes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, name=f"sslpoke-lab-{self.port}", daemon=True
        )
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:  # the listener was shut down
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                self.handshakes += 1
                with contextlib.suppress(OSError, ssl.SSLError):
                    tls.recv(1)  # let the client finish (and TLS 1.3 tickets flow) before closing
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        self._thread.join(timeout=2)
        self._tmp.cleanup()

    def __enter__(self) -> TlsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
