"""FTP AUTH TLS (RFC 4217), asked for only when FEAT (RFC 2389) does not rule it out.

FEAT first, because servers answer an AUTH they do not support in many ways (500,
502, 504, or vsftpd's "530 Please login"): a feature list without ``AUTH TLS`` is
the clear "not offered". Servers without FEAT get the AUTH command directly.
"""

from __future__ import annotations

import re

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, mismatch, refused, unsupported

_REPLY = re.compile(r"^(\d{3})([ -])")
NOT_IMPLEMENTED = (500, 502, 504)


def _reply(conv: Conversation) -> tuple[int, list[str]]:
    """One reply, all its lines (a multi-line reply ends with ``CODE `` at the start)."""
    first = conv.read_line()
    match = _REPLY.match(first)
    if not match:
        raise mismatch("FTP", first)
    lines = [first]
    if match.group(2) == "-":
        code = match.group(1)
        lines += conv.read_reply(lambda line: line.startswith(code + " "))
    return int(match.group(1)), lines


def _offers_auth_tls(features: list[str]) -> bool:
    for line in features[1:-1]:
        words = line.strip().upper().split()
        if words and words[0] == "AUTH" and any("TLS" in w for w in words[1:]):
            return True
    return False


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    code, lines = _reply(conv)
    banner = lines[-1]
    if code != 220:
        raise refused("FTP", banner)
    conv.send_line("FEAT")
    code, features = _reply(conv)
    if code == 211 and not _offers_auth_tls(features):
        listed = ", ".join(line.strip() for line in features[1:-1]) or "nothing"
        raise unsupported("FTP", f"FEAT lists {listed}; no AUTH TLS")
    if code != 211 and code not in NOT_IMPLEMENTED:
        raise refused("FTP", features[-1])
    conv.send_line("AUTH TLS")
    code, lines = _reply(conv)
    if code in NOT_IMPLEMENTED:
        raise unsupported("FTP", lines[-1])
    if code != 234:
        raise refused("FTP", lines[-1])
    return Greeting(banner[4:])
