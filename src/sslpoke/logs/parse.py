"""Application logs → TLS failure events, each with its time, thread and endpoint.

A record starts at a line that begins with a timestamp (Jira and Confluence
``2026-11-30 10:22:33,123``, ISO ``2026-11-30T10:22:33``, Tomcat's JUL
``30-Nov-2026 10:22:33.123``) or with a bare exception name; ``\\tat ...``,
``Caused by: ...``, ``Suppressed: ...`` and ``... 12 more`` lines continue it, so a
stack trace is read as one failure. The endpoint comes from the failure's own
text where Java puts it (``No subject alternative DNS name matching <host>``,
HttpClient's ``Certificate for <host>``, LDAP's ``simple bind failed: h:p``,
JavaMail's ``Could not connect to SMTP host: h, port: p``, Jira's ``Unable to
connect to the server at URL``), else from the nearest earlier line of the same
thread that names a URL or host:port, else from the SNI of the last ClientHello
in ``-Djavax.net.debug`` output of that thread. Everything read is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import NamedTuple

from sslpoke.logs.catalog import TRIGGER, LogForm, match

MAX_LINE = 64 * 1024
MAX_RECORD_LINES = 400
MAX_EVENTS = 100_000
NEARBY = 200  # lines back, in the same thread, to look for the endpoint

_TS = [
    (re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:[,.]\d+)?"), "%Y-%m-%d %H:%M:%S"),
    (
        re.compile(r"^(\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2})(?:[,.]\d+)?"),
        "%d-%b-%Y %H:%M:%S",
    ),
]
_CONTINUATION = re.compile(r"^(\s+at |\s*\.\.\. \d+ more|Caused by: |\s*Suppressed: |\s+\S)")
_EXCEPTION_LINE = re.compile(r"^[a-z][\w.$]*(Exception|Error)\b")
_DEBUG = re.compile(r"^javax\.net\.ssl\|(?P<level>\w+)\|(?P<tid>[^|]*)\|(?P<thread>[^|]*)\|")
_SNI = re.compile(r"type=host_name \(0\), value=(?P<host>[^\s,\"]+)")
_THREAD = [
    re.compile(
        r"^\S+ \S+ \[(?P<t>[^\]]+)\]"
    ),  # Confluence: date time [thread] ... / Tomcat: LEVEL [thread]
    re.compile(r"^\S+ \S+ \S+ \[(?P<t>[^\]]+)\]"),  # Tomcat JUL: date time SEVERE [thread]
    re.compile(r"^\S+ \S+ (?P<t>\S+) (?:ERROR|WARN|INFO|DEBUG|FATAL|SEVERE|WARNING)\b"),  # Jira
]

_IN_MESSAGE = [
    re.compile(r"simple bind failed: (?P<host>[^:\s;]+):(?P<port>\d+)"),
    re.compile(r"Could not connect to SMTP host: (?P<host>[^,\s]+), port: (?P<port>\d+)"),
    re.compile(r"Couldn't connect to host, port: (?P<host>[^,\s]+), (?P<port>\d+)"),
    # Jira: "... at https://ldap.corp.example.com:636 due to the following exception:"
    # (the name's dots are its own; only a sentence's last period is not)
    re.compile(r"Unable to connect to the server at (?P<url>\S+?)\.?(?:\s|$)"),
    re.compile(r"caught when processing request to \{s?\}->(?P<url>https?://\S+?)(?::\s|\s|$)"),
    re.compile(r"Could not download: (?P<url>https?://\S+)"),
    re.compile(r"Connect to (?P<host>[\w.-]+):(?P<port>\d+) (?:\[[^\]]*\] )?failed"),
]
_URL = re.compile(r"\b(?P<url>(?:https|ldaps?|smtps?|imaps?|pop3s?|ftps?)://[^\s\"'<>)\]]+)")


class Event(NamedTuple):
    file: str
    line: int
    at: datetime | None
    thread: str | None
    form: LogForm
    detail: str  # the line that matched, shortened
    host: str | None
    port: int | None
    url: str | None
    host_from: (
        str  # "the message", "a line before it in the same thread", "javax.net.debug SNI", ""
    )


def timestamp(line: str) -> datetime | None:
    for pattern, fmt in _TS:
        m = pattern.match(line)
        if m:
            try:
                return datetime.strptime(m.group(1).replace("T", " "), fmt)
            except ValueError:
                return None
    return None


def thread_of(line: str) -> str | None:
    for pattern in _THREAD:
        m = pattern.match(line)
        if m:
            return m.group("t")
    return None


def _endpoint(text: str) -> tuple[str | None, int | None, str | None]:
    for pattern in _IN_MESSAGE:
        m = pattern.search(text)
        if m:
            groups = m.groupdict()
            if groups.get("url"):
                return _from_url(groups["url"])
            return groups.get("host"), _port(groups.get("port")), None
    m = _URL.search(text)
    if m:
        return _from_url(m.group("url"))
    return None, None, None


def _port(digits: str | None) -> int | None:
    """A port the log names, or None (none, or out of range: no port rather than a wrong one)."""
    port = int(digits[:6]) if digits else 0
    return port if 0 < port < 65536 else None


_BARE = re.compile(r"(?P<host>[\w.-]+|\[[0-9a-fA-F:.]+\])(?::(?P<port>\d{1,5}))?/?")


def _from_url(url: str) -> tuple[str | None, int | None, str | None]:
    from urllib.parse import urlsplit

    if "://" not in url:  # a name without a scheme: host[:port]
        m = _BARE.fullmatch(url.rstrip(".,;"))
        if m is None:
            return None, None, None
        return m.group("host").strip("[]"), _port(m.group("port")), None
    try:
        parts = urlsplit(url.rstrip(".,;"))
        return parts.hostname, parts.port, url.rstrip(".,;")
    except ValueError:
        return None, None, None


def records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each record."""
    current: list[str] = []
    start = 0
    traced = False  # the current record already holds an exception
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")[:MAX_LINE]
        exception = _EXCEPTION_LINE.match(line) is not None
        # a log line's stack trace follows it: its first exception line continues the record
        fresh = (
            timestamp(line) is not None or _DEBUG.match(line) is not None or (exception and traced)
        )
        if current and (fresh or not (_CONTINUATION.match(line) or exception)):
            yield start, current
            current = []
            traced = False
        traced = traced or exception
        if not current:
            start = number
        if len(current) < MAX_RECORD_LINES:
            current.append(line)
    if current:
        yield start, current


def events(
    lines: Iterable[str], *, file: str = "-", since: datetime | None = None
) -> Iterator[Event]:
    """The TLS failures of a log, with their endpoints where they can be found."""
    recent: dict[str | None, list[tuple[str | None, int | None, str | None]]] = {}
    sni: dict[str | None, str] = {}
    debug_thread: str | None = None
    last_time: datetime | None = None
    count = 0
    for start, rec in records(lines):
        head = rec[0]
        text = "\n".join(rec)
        at = timestamp(head) or last_time
        last_time = at
        dbg = _DEBUG.match(head)
        thread = dbg.group("thread") if dbg else thread_of(head)
        if dbg:
            debug_thread = thread
        for m in _SNI.finditer(text):
            sni[debug_thread] = m.group("host")
        found = match(text) if TRIGGER.search(text) else None
        if found is None:
            host, port, url = _endpoint(text)
            if host:
                seen = recent.setdefault(thread, [])
                seen.append((host, port, url))
                del seen[:-NEARBY]
            continue
        if since is not None and at is not None and at < since:
            continue
        form, m = found
        host, port, url = None, None, None
        host_from = ""
        named = m.groupdict().get("host")
        host, port, url = _endpoint(text)
        host_from = "the message" if host else ""
        if host is None and recent.get(thread):
            host, port, url = recent[thread][-1]
            host_from = "a line before it in the same thread"
        if named and (host or "").lower() != named.lower().rstrip("."):
            # the name Java checked is the endpoint; a port only if the log gives it for that host
            host, port, url, host_from = named.rstrip("."), None, None, "the message"
        if (
            host is None
            and (dbg or thread in sni)
            and sni.get(thread if thread in sni else debug_thread)
        ):
            host = sni.get(thread if thread in sni else debug_thread)
            host_from = "javax.net.debug SNI"
        line_of_match = next((ln for ln in rec if m.group(0) in ln), head)
        yield Event(
            file, start, at, thread, form, line_of_match.strip()[:300], host, port, url, host_from
        )
        count += 1
        if count >= MAX_EVENTS:
            return
