"""POP3 STLS (RFC 2595) and the login methods from CAPA (RFC 2449)."""

from __future__ import annotations

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, MailAuth, mismatch, refused, unsupported


def _capa(conv: Conversation) -> list[str]:
    conv.send_line("CAPA")
    first = conv.read_line()
    if not first.startswith("+OK"):
        return []  # CAPA itself is optional (RFC 2449)
    return conv.read_reply(lambda line: line == ".")[:-1]


def _auth(capa: list[str]) -> MailAuth:
    mechanisms: list[str] = []
    user = False
    for line in capa:
        words = line.upper().split()
        if words and words[0] == "SASL":
            mechanisms += words[1:]
        elif words and words[0] == "USER":
            user = True
    return MailAuth(tuple(mechanisms), plain_login=user)


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    banner = conv.read_line()
    if banner.startswith("-ERR"):
        raise refused("POP3", banner)
    if not banner.startswith("+OK"):
        raise mismatch("POP3", banner)
    capa = _capa(conv)
    if capa and not any(line.upper().split()[:1] == ["STLS"] for line in capa):
        raise unsupported("POP3", "CAPA: " + ", ".join(capa))
    conv.send_line("STLS")
    reply = conv.read_line()
    if not reply.startswith("+OK"):
        if not capa:
            raise unsupported("POP3", reply)
        raise refused("POP3", reply)
    return Greeting(banner, _auth(capa) if capa else None)


def after_tls(conv: Conversation, implicit: bool) -> MailAuth:
    if implicit:
        banner = conv.read_line()
        if not banner.startswith("+OK"):
            raise refused("POP3", banner)
    auth = _auth(_capa(conv))
    conv.send_line("QUIT")
    return auth
