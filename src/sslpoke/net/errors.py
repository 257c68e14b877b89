"""The one exception the network layer raises: a failure with a problem code."""

from __future__ import annotations

from sslpoke.problems import Code


class NetError(Exception):
    """Connecting, STARTTLS or the handshake failed.

    ``said`` quotes what the server sent (a banner, an error reply), already
    shortened and made printable; ``chain`` holds any certificates captured
    before the failure, so they can still be analysed.
    """

    def __init__(
        self,
        code: Code,
        message: str,
        *,
        said: str | None = None,
        chain: tuple[bytes, ...] = (),
        tls_version: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.said = said
        self.chain = chain
        self.tls_version = tls_version


def printable(data: bytes, limit: int = 120) -> str:
    """Bytes from the network as one short, safe line."""
    text = data[:limit].decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    text = " ".join(text.split())
    return text + ("..." if len(data) > limit else "")
