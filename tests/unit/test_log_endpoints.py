"""The endpoint a log line names, in every form ``explain`` reads, with real names:
dotted host names, IP addresses, ports, a sentence's last period. (The logs the real
JVMs write in tests/logs name ``localhost``, which has no dot to cut at.)"""

from __future__ import annotations

import pytest

from sslpoke.logs.parse import events

PKIX = (
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
    "certification path to requested target"
)
HEAD = "2026-11-30 10:00:00,000+0000 http-nio-8080-exec-7 ERROR admin 1x2 - 10.0.0.1 /secure [c.a.j.applinks] "

CASES = [
    (
        HEAD
        + "Unable to connect to the server at https://ldap.corp.example.com:636 due to the following exception:",
        ("ldap.corp.example.com", 636),
    ),
    (
        HEAD
        + "Unable to connect to the server at https://jira.example.org/rest/api/2/serverInfo due to the following exception:",
        ("jira.example.org", None),
    ),
    (HEAD + "Unable to connect to the server at https://10.20.30.40:8443.", ("10.20.30.40", 8443)),
    (
        HEAD
        + "Unable to connect to the server at confluence.example.net:8090 due to the following exception:",
        ("confluence.example.net", 8090),
    ),
    (
        HEAD
        + "Unable to connect to the server at https://[2001:db8::7]:443/ due to the following exception:",
        ("2001:db8::7", 443),
    ),
    (
        "2026-11-30 10:00:00,000 INFO [main] [o.a.http.impl.execchain.RetryExec] I/O exception "
        "(javax.net.ssl.SSLHandshakeException) caught when processing request to "
        "{s}->https://api.vendor.example.com:443: PKIX path building failed",
        ("api.vendor.example.com", 443),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [c.a.confluence.macro] Could not download: "
        "https://cdn.example.com/feed.xml",
        ("cdn.example.com", None),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [c.a.crowd] simple bind failed: dc01.ad.example.com:636",
        ("dc01.ad.example.com", 636),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [mail] Could not connect to SMTP host: smtp.office365.com, port: 587",
        ("smtp.office365.com", 587),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [mail] Couldn't connect to host, port: imap.example.com, 993",
        ("imap.example.com", 993),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [http] Connect to bitbucket.example.com:7990 "
        "[bitbucket.example.com/10.0.0.9] failed: PKIX path building failed",
        ("bitbucket.example.com", 7990),
    ),
    (
        "2026-11-30 10:00:00,000 ERROR [main] [mail] Could not connect to SMTP host: smtp.example.com, port: 99999999",
        ("smtp.example.com", None),
    ),  # not a port: no port rather than a wrong one
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[str(e) for _, e in CASES])
def test_the_endpoint_named_in_the_line(line: str, expected: tuple[str, int | None]) -> None:
    found = list(events([line + "\n", PKIX + "\n"]))
    assert len(found) == 1, found
    assert (found[0].host, found[0].port) == expected
