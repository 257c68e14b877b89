"""Where the endpoints of a scan come from: lists, URLs, nmap output, an application.

One target per line (``host``, ``host:port``, ``[v6]:port``, URLs with any scheme
sslpoke knows — ``ldaps://``, ``smtp://`` for STARTTLS —, ``#`` comments); nmap's
grepable output (``-oG``: ``Host: 10.0.0.5 () Ports: 443/open/tcp//https///, 25/open/...``;
open ports only, SMTP/IMAP/POP3/LDAP/FTP/XMPP/PostgreSQL/MySQL ports speak STARTTLS as
a probe would); any file of URLs (``--hosts-from``); and an application folder's
configuration (Jira ``dbconfig.xml``, Confluence ``confluence.cfg.xml``: the database URL).
Every count is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

MAX_TARGETS = 1_000_000
MAX_LINE = 8192

_NMAP = re.compile(r"^Host:\s+(?P<ip>\S+)\s+\((?P<name>[^)]*)\)\s+Ports:\s+(?P<ports>.*)$")
_URL = re.compile(
    r"\b(?:https|ldaps?|smtps?|submission|imaps?|pop3s?|ftps?|xmpp|postgres(?:ql)?|mysql)://"
    r"[^\s\"'<>)\]]+",
    re.I,
)
_JDBC_URL = re.compile(r"jdbc:\S+", re.I)
_JDBC = re.compile(
    r"jdbc:(?P<kind>postgresql|mysql|mariadb):(?://)?(?P<host>[^/:;?\s]+)(?::(?P<port>\d+))?", re.I
)


def from_lines(lines: Iterable[str]) -> Iterator[str]:
    """Target specs, one per non-comment line; nmap -oG lines expand to their open ports."""
    count = 0
    for raw in lines:
        line = raw[:MAX_LINE].split("#", 1)[0].strip()
        if not line:
            continue
        m = _NMAP.match(line)
        if m:
            host = m.group("name") or m.group("ip")
            for entry in m.group("ports").split(","):
                parts = entry.strip().split("/")
                if len(parts) >= 3 and parts[1] == "open" and parts[2] == "tcp":
                    count += 1
                    yield f"{host}:{parts[0]}"
            continue
        if line.startswith(("Host:", "# Nmap")):
            continue
        count += 1
        yield line.split()[0]
        if count >= MAX_TARGETS:
            return


def urls_in(text: str) -> list[str]:
    """Every URL sslpoke can probe found in any text (a config file, a page, a log)."""
    seen: dict[str, None] = {}
    for m in _URL.finditer(text):
        seen.setdefault(m.group(0).rstrip(".,;"), None)
        if len(seen) >= MAX_TARGETS:
            break
    return list(seen)


def from_app_dir(folder: Path) -> list[str]:
    """The endpoints an application's own configuration names (read-only): the database
    of Jira's dbconfig.xml / Confluence's confluence.cfg.xml, and any URL in them."""
    candidates = [
        folder / "dbconfig.xml",
        folder / "confluence.cfg.xml",
        folder / "bitbucket.properties",
        folder / "shared" / "bitbucket.properties",
    ]
    found: dict[str, None] = {}
    for path in candidates:
        try:
            text = path.read_text("utf-8", "replace")[: 4 << 20]
        except OSError:
            continue
        for m in _JDBC.finditer(text):
            kind = "postgres" if m.group("kind").lower() == "postgresql" else "mysql"
            port = m.group("port") or ("5432" if kind == "postgres" else "3306")
            found.setdefault(f"{kind}://{m.group('host')}:{port}", None)
        for url in urls_in(_JDBC_URL.sub(" ", text)):
            found.setdefault(url, None)
    return list(found)
