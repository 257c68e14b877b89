"""FTP AUTH TLS (RFC 4217)."""

from __future__ import annotations

import re

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, mismatch, refused, unsupported

_REPLY = re.compile(r"^(\d{3})([ -])")


def _reply(conv: Conversation) -> tuple[int, str]:
    first = conv.read_line()
    match = _REPLY.match(first)
    if not match:
        raise mismatch("FTP", first)
    lines = [first]
    if match.group(2) == "-":
        code = match.group(1)
        lines += conv.read_reply(lambda line: line.startswith(code + " "))
    return int(match.group(1)), lines[-1]


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    code, banner = _reply(conv)
    if code != 220:
        raise refused("FTP", banner)
    conv.send_line("AUTH TLS")
    code, reply = _reply(conv)
    if code in (500, 502, 504):
        raise unsupported("FTP", reply)
    if code != 234:
        raise refused("FTP", reply)
    return Greeting(banner[4:])
