"""SMTP STARTTLS (RFC 3207) and the AUTH mechanisms from EHLO (RFC 4954)."""

from __future__ import annotations

import re

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, MailAuth, mismatch, refused, unsupported

CLIENT_NAME = "sslpoke.localhost"
_REPLY = re.compile(r"^(\d{3})([ -])(.*)$")


def _reply(conv: Conversation) -> tuple[int, list[str]]:
    lines = conv.read_reply(lambda line: line[3:4] != "-")
    match = _REPLY.match(lines[0])
    if not match:
        raise mismatch("SMTP", lines[0])
    return int(match.group(1)), [line[4:] for line in lines]


def _auth(ehlo: list[str]) -> MailAuth:
    mechanisms: list[str] = []
    for line in ehlo[1:]:
        words = line.replace("=", " ").split()
        if words and words[0].upper() == "AUTH":
            mechanisms += [w.upper() for w in words[1:] if w.upper() not in mechanisms]
    return MailAuth(tuple(mechanisms), plain_login=False)


def _ehlo(conv: Conversation) -> list[str]:
    conv.send_line(f"EHLO {CLIENT_NAME}")
    code, lines = _reply(conv)
    if code != 250:
        raise refused("SMTP", f"{code} {' '.join(lines)}")
    return lines


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    first = conv.read_line()
    if not _REPLY.match(first):
        raise mismatch("SMTP", first)
    lines = [first]
    while first[3:4] == "-":
        first = conv.read_line()
        lines.append(first)
    if not lines[0].startswith("220"):
        raise refused("SMTP", lines[-1])
    ehlo = _ehlo(conv)
    if not any(line.split()[:1] == ["STARTTLS"] for line in (x.upper() for x in ehlo[1:])):
        raise unsupported("SMTP", "EHLO: " + ", ".join(ehlo[1:]))
    auth = _auth(ehlo)
    conv.send_line("STARTTLS")
    code, reply = _reply(conv)
    if code != 220:
        raise refused("SMTP", f"{code} {' '.join(reply)}")
    return Greeting(lines[0][4:], auth)


def after_tls(conv: Conversation, implicit: bool) -> MailAuth:
    if implicit:
        code, _ = _reply(conv)
        if code != 220:
            raise refused("SMTP", str(code))
    auth = _auth(_ehlo(conv))
    conv.send_line("QUIT")
    return auth
