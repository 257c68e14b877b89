"""What a STARTTLS dialogue learns, shared by the dialects."""

from __future__ import annotations

from dataclasses import dataclass

from sslpoke.net.errors import NetError, printable
from sslpoke.problems import Code

PLAINTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN"})


@dataclass(frozen=True)
class MailAuth:
    """How a mail server lets clients log in, at one moment (before or after TLS).

    ``mechanisms`` are the SASL mechanisms offered; ``plain_login`` is whether the
    protocol's own clear-text login (IMAP LOGIN, POP3 USER/PASS) is allowed.
    """

    mechanisms: tuple[str, ...]
    plain_login: bool

    @property
    def plaintext_ok(self) -> bool:
        """Can a client send a user name and password as they are (PLAIN, LOGIN, USER)?"""
        return self.plain_login or bool(PLAINTEXT_MECHANISMS & set(self.mechanisms))


@dataclass(frozen=True)
class Greeting:
    """The outcome of the plaintext part: the server's banner and what it offered."""

    banner: str
    auth: MailAuth | None = None


def unsupported(what: str, said: str) -> NetError:
    return NetError(
        Code.STARTTLS_UNSUPPORTED,
        f"the {what} server does not offer STARTTLS",
        said=printable(said.encode()),
    )


def refused(what: str, said: str) -> NetError:
    return NetError(
        Code.STARTTLS_REFUSED, f"the {what} server refused STARTTLS", said=printable(said.encode())
    )


def mismatch(what: str, said: str) -> NetError:
    return NetError(
        Code.PROTOCOL_MISMATCH,
        f"the server does not speak {what} on this port",
        said=printable(said.encode()) or None,
    )
