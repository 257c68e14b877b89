"""STARTTLS dialects: one small module per protocol, each with bounded, timed reads.

``before_tls`` runs the plaintext part on a fresh connection and returns once
the server has agreed to start TLS. Mail dialects also have ``after_tls``,
which asks the server again, inside TLS, how clients may log in.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls import ftp, imap, ldap, mysql, pop3, postgres, smtp, xmpp
from sslpoke.net.starttls.base import Greeting, MailAuth
from sslpoke.target import Protocol

DIALECTS: dict[Protocol, ModuleType] = {
    Protocol.SMTP: smtp,
    Protocol.IMAP: imap,
    Protocol.POP3: pop3,
    Protocol.LDAP: ldap,
    Protocol.FTP: ftp,
    Protocol.XMPP: xmpp,
    Protocol.POSTGRES: postgres,
    Protocol.MYSQL: mysql,
}

#: Protocols whose login methods sslpoke reports after TLS.
MAIL = (Protocol.SMTP, Protocol.IMAP, Protocol.POP3)


def before_tls(protocol: Protocol, conv: Conversation, servername: str | None) -> Greeting:
    step: Callable[[Conversation, str | None], Greeting] = DIALECTS[protocol].before_tls
    return step(conv, servername)


def after_tls(protocol: Protocol, conv: Conversation, *, implicit: bool) -> MailAuth | None:
    if protocol not in MAIL:
        return None
    step: Callable[..., MailAuth] = DIALECTS[protocol].after_tls
    return step(conv, implicit)


__all__ = ["DIALECTS", "MAIL", "Greeting", "MailAuth", "after_tls", "before_tls"]
