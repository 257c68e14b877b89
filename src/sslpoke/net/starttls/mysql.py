"""MySQL / MariaDB: the SSL request after the server's initial handshake packet."""

from __future__ import annotations

import struct

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, mismatch, unsupported

CLIENT_PROTOCOL_41 = 0x0200
CLIENT_SSL = 0x0800
CLIENT_SECURE_CONNECTION = 0x8000
MAX_PACKET = 1 << 16


def _packet(conv: Conversation) -> tuple[int, bytes]:
    head = conv.read_exact(4)
    length = int.from_bytes(head[:3], "little")
    if length > MAX_PACKET:
        raise mismatch("MySQL", "a packet too large for a greeting")
    return head[3], conv.read_exact(length)


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    seq, payload = _packet(conv)
    if not payload:
        raise mismatch("MySQL", "an empty packet")
    if payload[0] == 0xFF:  # an error packet, e.g. "Host ... is not allowed to connect"
        raise mismatch("MySQL", payload[3:].decode("utf-8", "replace"))
    if payload[0] != 10:
        raise mismatch("MySQL", payload[:40].decode("latin-1"))
    end = payload.find(b"\x00", 1)
    if end < 0 or len(payload) < end + 1 + 4 + 8 + 1 + 2:
        raise mismatch("MySQL", "a truncated greeting")
    version = payload[1:end].decode("utf-8", "replace")
    caps_at = end + 1 + 4 + 8 + 1
    capabilities = int.from_bytes(payload[caps_at : caps_at + 2], "little")
    if not capabilities & CLIENT_SSL:
        raise unsupported("MySQL", f"server {version} does not offer SSL")
    flags = CLIENT_SSL | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION
    body = struct.pack("<IIB", flags, MAX_PACKET, 33) + b"\x00" * 23
    conv.send(len(body).to_bytes(3, "little") + bytes([(seq + 1) & 0xFF]) + body)  # wraps at 255
    conv.transcript.append("C: SSL request")
    return Greeting(_product(version))


def _product(version: str) -> str:
    """MariaDB prefixes its version with "5.5.5-" so that old MySQL clients accept it."""
    if version.startswith("5.5.5-") and "MariaDB" in version:
        return f"MariaDB {version.removeprefix('5.5.5-')}"
    return f"MySQL {version}"
