"""PostgreSQL SSLRequest (protocol 3, section 53.2.10)."""

from __future__ import annotations

import struct

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, mismatch, unsupported

SSL_REQUEST = struct.pack(">II", 8, 80877103)


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    conv.send(SSL_REQUEST)
    conv.transcript.append("C: SSLRequest")
    answer = conv.read_exact(1)
    if answer == b"S":
        return Greeting("")
    if answer == b"N":
        raise unsupported("PostgreSQL", "N (the server does not accept SSL connections)")
    raise mismatch(
        "PostgreSQL", answer.decode("latin-1") + conv.pending.decode("latin-1", "replace")
    )
