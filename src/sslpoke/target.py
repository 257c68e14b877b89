"""What to connect to: host, port, and how TLS is reached there.

Accepts everything an admin is likely to paste: ``host``, ``host 443``,
``host:443``, ``[2001:db8::1]:443``, a bare IPv6 address, and URLs whose scheme
says both the port and whether TLS starts at once or after STARTTLS.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import NamedTuple

from sslpoke.errors import UsageError


class Protocol(StrEnum):
    """An application protocol: the STARTTLS dialect spoken before TLS, or what runs inside it."""

    SMTP = "smtp"
    IMAP = "imap"
    POP3 = "pop3"
    LDAP = "ldap"
    FTP = "ftp"
    XMPP = "xmpp"
    POSTGRES = "postgres"
    MYSQL = "mysql"


# scheme -> (default port, STARTTLS dialect or None for implicit TLS, protocol inside)
SCHEMES: dict[str, tuple[int, Protocol | None, Protocol | None]] = {
    "https": (443, None, None),
    "tls": (443, None, None),
    "ldaps": (636, None, Protocol.LDAP),
    "imaps": (993, None, Protocol.IMAP),
    "pop3s": (995, None, Protocol.POP3),
    "smtps": (465, None, Protocol.SMTP),
    "ftps": (990, None, Protocol.FTP),
    "xmpps": (5223, None, Protocol.XMPP),
    "smtp": (25, Protocol.SMTP, Protocol.SMTP),
    "submission": (587, Protocol.SMTP, Protocol.SMTP),
    "imap": (143, Protocol.IMAP, Protocol.IMAP),
    "pop3": (110, Protocol.POP3, Protocol.POP3),
    "ldap": (389, Protocol.LDAP, Protocol.LDAP),
    "ftp": (21, Protocol.FTP, Protocol.FTP),
    "xmpp": (5222, Protocol.XMPP, Protocol.XMPP),
    "postgres": (5432, Protocol.POSTGRES, Protocol.POSTGRES),
    "postgresql": (5432, Protocol.POSTGRES, Protocol.POSTGRES),
    "mysql": (3306, Protocol.MYSQL, Protocol.MYSQL),
}

# Well-known plaintext ports where TLS is reached by STARTTLS.
STARTTLS_PORTS: dict[int, Protocol] = {
    25: Protocol.SMTP,
    587: Protocol.SMTP,
    143: Protocol.IMAP,
    110: Protocol.POP3,
    389: Protocol.LDAP,
    21: Protocol.FTP,
    5222: Protocol.XMPP,
    5432: Protocol.POSTGRES,
    3306: Protocol.MYSQL,
}

# Well-known ports where TLS starts at once, and what is spoken inside it.
IMPLICIT_TLS_PORTS: dict[int, Protocol | None] = {
    443: None,
    465: Protocol.SMTP,
    636: Protocol.LDAP,
    993: Protocol.IMAP,
    995: Protocol.POP3,
    990: Protocol.FTP,
    5223: Protocol.XMPP,
}

DEFAULT_PORT = 443
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


class Target(NamedTuple):
    """A parsed destination. ``host`` is an A-label name or an IP address literal.

    ``starttls`` is the plaintext dialect that upgrades to TLS (None: TLS at
    once); ``application`` is the protocol spoken inside TLS, when sslpoke knows
    how to ask it something useful (mail servers' AUTH mechanisms).
    """

    host: str
    port: int
    starttls: Protocol | None = None
    application: Protocol | None = None
    servername: str | None = (
        None  # SNI and the name checked; None for an IP literal without override
    )

    @property
    def is_ip(self) -> bool:
        return is_ip_literal(self.host)

    @property
    def check_name(self) -> str:
        """The name (DNS or IP) the certificate must match."""
        return self.servername or self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


# Every character an IP literal (IPv4, IPv6, IPv6 with an IPv4 tail) has before a
# "%scope": a name with any other character is not one, and is told so without the
# three exceptions ipaddress raises to say it (they were most of a scan's target parsing:
# parse_target took 23 us a name with them, 4 us without).
_IP_CHARS = frozenset("0123456789abcdefABCDEF.:")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    head = text.partition("%")[0]
    if not head or not _IP_CHARS.issuperset(head):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_ip_literal(text: str) -> bool:
    return _ip(text) is not None


_DIGITS = frozenset("0123456789")
_V4_CHARS = frozenset("0123456789abcdefABCDEFxX.")


def _java_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address Java reads in ``text``, None when it reads none: one to four
    decimal parts (``d``, ``d.d``, ``d.d.d``, ``d.d.d.d``; the last fills the bytes
    left), at most 15 characters, a leading zero still decimal (the JDK's
    ``IPAddressUtil.textToNumericFormatV4``, which ``InetAddress`` uses first)."""
    parts = text.split(".")
    if not 0 < len(text) <= 15 or len(parts) > 4:
        return None
    if not all(part and _DIGITS.issuperset(part) for part in parts):
        return None
    *head, last = (int(part) for part in parts)
    if any(value > 255 for value in head) or last >= 1 << 8 * (5 - len(parts)):
        return None
    value = 0
    for byte in head:
        value = value << 8 | byte
    return ipaddress.IPv4Address(value << 8 * (5 - len(parts)) | last)


def _c_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address the C library reads in ``text`` (``inet_aton``, as getaddrinfo,
    curl, Python and OpenSSL's tools do: a leading ``0`` octal, ``0x`` hexadecimal)."""
    import socket

    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _numeric_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address written other than in plain dotted decimal (``127.1``,
    ``3232235777``, ``010.0.0.1``), when Java and the C library read it alike; None
    when neither reads an address in it (a host name). Where they differ, sslpoke
    would look at another host than the application: a :class:`UsageError` says so.
    (``010.0.0.1`` is 10.0.0.1 to Java and 8.0.0.1 to the C library; ``0x7f000001``
    is an UnknownHostException to Java and 127.0.0.1 to the C library.)"""
    if not text or text[0] not in _DIGITS or not _V4_CHARS.issuperset(text):
        return None  # neither reads an address in what does not start with a digit
    java, c = _java_ipv4(text), _c_ipv4(text)
    if java == c:
        return java
    fix = "write the address you mean in plain dotted decimal"
    if java is None:
        raise UsageError(
            f"ambiguous IPv4 address {text!r}: Java does not take it as an address "
            f"(UnknownHostException), the C library reads it as {c}: {fix}"
        )
    other = f"as {c}" if c is not None else "not as an address but as a host name"
    raise UsageError(
        f"ambiguous IPv4 address {text!r}: Java reads it as {java}, the C library "
        f"(getaddrinfo, curl, Python, openssl) {other}: {fix}"
    )


def parse_port(text: str | int) -> int:
    try:
        port = int(text)
    except (TypeError, ValueError):
        raise UsageError(f"invalid port {text!r}: give a number from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"invalid port {port}: give a number from 1 to 65535")
    return port


def normalize_host(text: str) -> str:
    """Return an IP literal in canonical form or a lower-case A-label host name."""
    return _normalized(text)[0]


def _normalized(text: str) -> tuple[str, bool]:
    """:func:`normalize_host`, and whether it is an IP literal (told once, not parsed twice)."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text:
        raise UsageError("missing host name")
    ip = _ip(text) or _numeric_ipv4(text)
    if ip is not None:
        return str(ip), True
    name = text.rstrip(".").lower()
    # A trailing dot makes a numeric host a name that Java and the C library look up (and
    # do not find); without it, sslpoke would connect to an address that neither reaches.
    numeric = name[:1] in _DIGITS and _V4_CHARS.issuperset(name)
    if text.endswith(".") and numeric and (_java_ipv4(name) or _c_ipv4(name)):
        raise UsageError(
            f"host {text!r}: with its trailing dot it is a name to look up, not an "
            "address, to Java and the C library alike (it does not resolve): write the "
            "address without the dot"
        )
    if name.isascii():
        ascii_name = name  # already an A-label (or invalid: the label check below says so)
    else:
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise UsageError(f"invalid host name {text!r}") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UsageError(f"invalid host name {text!r}")
    return ascii_name, False


def _split_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise UsageError(f"invalid address {text!r}: missing ']'")
        host, rest = text[1:close], text[close + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise UsageError(f"invalid address {text!r}")
        return host, parse_port(rest[1:])
    if text.count(":") > 1:  # a bare IPv6 address
        return text, None
    if ":" in text:
        host, _, port = text.partition(":")
        return host, parse_port(port)
    return text, None


def parse_target(
    spec: str,
    port: str | int | None = None,
    *,
    servername: str | None = None,
    starttls: Protocol | str | None = None,
    no_starttls: bool = False,
) -> Target:
    """Parse what the user typed into a :class:`Target`.

    ``starttls`` forces a STARTTLS dialect; otherwise it follows from the URL
    scheme or the well-known port, unless ``no_starttls`` is set.
    """
    spec = spec.strip()
    scheme_info: tuple[Protocol | None, Protocol | None] | None = None
    if "://" in spec:
        from urllib.parse import urlsplit

        url = urlsplit(spec)
        scheme = url.scheme.lower()
        if scheme not in SCHEMES:
            known = ", ".join(sorted(SCHEMES))
            raise UsageError(f"unknown URL scheme {scheme!r}: use one of {known}")
        default_port, scheme_starttls, scheme_app = SCHEMES[scheme]
        scheme_info = (scheme_starttls, scheme_app)
        try:
            url_port = url.port
        except ValueError:
            raise UsageError(f"invalid port in {spec!r}") from None
        host_text = url.hostname or ""
        if url.netloc.startswith("[") and host_text:
            host_text = f"[{host_text}]"
        host_port = url_port if url_port is not None else None
        implied_port = default_port
    else:
        host_text, host_port = _split_host_port(spec)
        implied_port = DEFAULT_PORT
    host, host_is_ip = _normalized(host_text)
    explicit = parse_port(port) if port is not None else None
    if explicit is not None and host_port is not None and explicit != host_port:
        raise UsageError(f"two different ports given: {host_port} in {spec!r} and {explicit}")
    final_port = explicit or host_port or implied_port

    if starttls is not None and no_starttls:
        raise UsageError("--starttls and --no-starttls contradict each other")
    dialect: Protocol | None
    application: Protocol | None
    if starttls is not None:
        try:
            dialect = Protocol(str(starttls).lower())
        except ValueError:
            known = ", ".join(p.value for p in Protocol)
            raise UsageError(
                f"unknown STARTTLS protocol {starttls!r}: use one of {known}"
            ) from None
        application = dialect
    elif scheme_info is not None:
        dialect, application = scheme_info
        if no_starttls:
            dialect = None
    elif no_starttls:
        dialect, application = None, IMPLICIT_TLS_PORTS.get(final_port)
    elif final_port in STARTTLS_PORTS:
        dialect = application = STARTTLS_PORTS[final_port]
    else:
        dialect, application = None, IMPLICIT_TLS_PORTS.get(final_port)

    sni = normalize_host(servername) if servername else None
    if sni is None and not host_is_ip:
        sni = host
    return Target(
        host=host, port=final_port, starttls=dialect, application=application, servername=sni
    )
