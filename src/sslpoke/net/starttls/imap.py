"""IMAP STARTTLS (RFC 2595, RFC 9051) and the login methods from CAPABILITY."""

from __future__ import annotations

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, MailAuth, mismatch, refused, unsupported


def _capability(conv: Conversation, tag: str) -> list[str]:
    conv.send_line(f"{tag} CAPABILITY")
    lines = conv.read_reply(lambda line: line.startswith(tag + " "))
    if not lines[-1].upper().startswith(f"{tag.upper()} OK"):
        raise refused("IMAP", lines[-1])
    words: list[str] = []
    for line in lines[:-1]:
        if line.upper().startswith("* CAPABILITY"):
            words += line.split()[2:]
    return [w.upper() for w in words]


def _auth(words: list[str]) -> MailAuth:
    mechanisms = tuple(w[5:] for w in words if w.startswith("AUTH="))
    return MailAuth(mechanisms, plain_login="LOGINDISABLED" not in words)


def _greeting(conv: Conversation) -> str:
    first = conv.read_line()
    upper = first.upper()
    if upper.startswith("* BYE"):
        raise refused("IMAP", first)
    if not upper.startswith(("* OK", "* PREAUTH")):
        raise mismatch("IMAP", first)
    return first


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    banner = _greeting(conv)
    words = _capability(conv, "a1")
    if "STARTTLS" not in words:
        raise unsupported("IMAP", "CAPABILITY " + " ".join(words))
    auth = _auth(words)
    conv.send_line("a2 STARTTLS")
    reply = conv.read_reply(lambda line: line.startswith("a2 "))
    if not reply[-1].upper().startswith("A2 OK"):
        raise refused("IMAP", reply[-1])
    return Greeting(banner, auth)


def after_tls(conv: Conversation, implicit: bool) -> MailAuth:
    if implicit:
        _greeting(conv)
    auth = _auth(_capability(conv, "a3"))
    conv.send_line("a4 LOGOUT")
    return auth
