"""Everything an admin pastes as a destination."""

from __future__ import annotations

import pytest

from sslpoke.errors import UsageError
from sslpoke.target import Protocol, parse_target


@pytest.mark.parametrize(
    ("spec", "port", "host", "expected_port", "starttls", "application"),
    [
        ("jira.example.com", None, "jira.example.com", 443, None, None),
        ("jira.example.com", "8443", "jira.example.com", 8443, None, None),
        ("JIRA.Example.COM.:8443", None, "jira.example.com", 8443, None, None),
        ("[2001:db8::1]:8443", None, "2001:db8::1", 8443, None, None),
        ("2001:db8::1", None, "2001:db8::1", 443, None, None),
        ("[2001:DB8:0::1]", "636", "2001:db8::1", 636, None, Protocol.LDAP),
        (
            "https://jira.example.com/secure/Dashboard.jspa",
            None,
            "jira.example.com",
            443,
            None,
            None,
        ),
        ("ldaps://dc1.example.com", None, "dc1.example.com", 636, None, Protocol.LDAP),
        ("imaps://mail.example.com", None, "mail.example.com", 993, None, Protocol.IMAP),
        ("pop3s://mail.example.com", None, "mail.example.com", 995, None, Protocol.POP3),
        ("smtps://mail.example.com", None, "mail.example.com", 465, None, Protocol.SMTP),
        ("smtp://mail.example.com", None, "mail.example.com", 25, Protocol.SMTP, Protocol.SMTP),
        (
            "submission://mail.example.com",
            None,
            "mail.example.com",
            587,
            Protocol.SMTP,
            Protocol.SMTP,
        ),
        ("ldap://[::1]:1389", None, "::1", 1389, Protocol.LDAP, Protocol.LDAP),
        ("mail.example.com", "143", "mail.example.com", 143, Protocol.IMAP, Protocol.IMAP),
        ("db.example.com", "5432", "db.example.com", 5432, Protocol.POSTGRES, Protocol.POSTGRES),
        ("bücher.example", None, "xn--bcher-kva.example", 443, None, None),
    ],
)
def test_forms(
    spec: str,
    port: str | None,
    host: str,
    expected_port: int,
    starttls: Protocol | None,
    application: Protocol | None,
) -> None:
    target = parse_target(spec, port)
    assert (target.host, target.port, target.starttls, target.application) == (
        host,
        expected_port,
        starttls,
        application,
    )


def test_servername_and_ip() -> None:
    assert parse_target("10.0.0.5", 443).servername is None
    assert parse_target("10.0.0.5", 443).check_name == "10.0.0.5"
    named = parse_target("10.0.0.5", 443, servername="jira.example.com")
    assert named.servername == "jira.example.com" and named.check_name == "jira.example.com"
    assert str(parse_target("::1", 443)) == "[::1]:443"


def test_starttls_choices() -> None:
    assert parse_target("mail", 25, no_starttls=True).starttls is None
    assert parse_target("mail", 2525, starttls="SMTP").starttls is Protocol.SMTP
    assert parse_target("smtp://mail", no_starttls=True).starttls is None


@pytest.mark.parametrize(
    ("spec", "port", "message"),
    [
        ("", None, "missing host"),
        ("example.com", "0", "invalid port"),
        ("example.com", "65536", "invalid port"),
        ("example.com:http", None, "invalid port"),
        ("example.com:443", "8443", "two different ports"),
        ("exa_mple..com", None, "invalid host"),
        ("-bad.example", None, "invalid host"),
        ("gopher://example.com", None, "unknown URL scheme"),
        ("[::1", None, "missing ']'"),
        ("https://example.com:99999", None, "invalid port"),
    ],
)
def test_bad_targets(spec: str, port: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_target(spec, port)


def test_bad_starttls() -> None:
    with pytest.raises(UsageError, match="unknown STARTTLS"):
        parse_target("mail", 25, starttls="gopher")
    with pytest.raises(UsageError, match="contradict"):
        parse_target("mail", 25, starttls="smtp", no_starttls=True)


def test_ip_literals_are_told_as_ipaddress_tells_them() -> None:
    """The quick character check before ipaddress (a scan parses thousands of names)
    must not change a single answer: differential against ipaddress, seeded."""
    import ipaddress
    import random

    from sslpoke.target import is_ip_literal, normalize_host

    def reference(text: str) -> bool:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            return False
        return True

    rnd = random.Random(20261202)
    alphabet = "0123456789abcdefABCDEFxyz.:%[]-_ "
    cases = ["::1", "fe80::1%eth0", "1.2.3.4", "::ffff:1.2.3.4", "ABCD::", "cafe.be",
             "deadbeef", "%eth0", "1.2.3.4%x", "", "1.2.3.04", "::", "1::2::3"]  # fmt: skip
    cases += [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14))) for _ in range(50_000)
    ]
    # and real addresses, written every way ipaddress accepts (upper case, IPv4 tails, scopes)
    for _ in range(5_000):
        v4 = ipaddress.IPv4Address(rnd.getrandbits(32))
        v6 = ipaddress.IPv6Address(rnd.getrandbits(128))
        cases += [str(v4), str(v6), v6.exploded.upper(), f"{v6}%eth{rnd.randint(0, 9)}",
                  f"::ffff:{v4}", f"64:ff9b::{v4}"]  # fmt: skip
    assert [c for c in cases if is_ip_literal(c) != reference(c)] == []
    assert sum(map(reference, cases)) >= 30_000  # the valid ones are really there
    assert normalize_host("[FE80::1%eth0]") == str(ipaddress.ip_address("FE80::1%eth0"))
    assert normalize_host("CAFE.be.") == "cafe.be"
    assert normalize_host("0:0::1") == "::1"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),  # two parts: the last fills three bytes, for Java and libc
        ("1234", "0.0.4.210"),
        ("4294967295", "255.255.255.255"),
        ("127.000.000.001", "127.0.0.1"),  # zeros read alike in octal and decimal
        ("1.2.3.4.5", "1.2.3.4.5"),  # an address to nobody: a host name
        ("1example.com", "1example.com"),
    ],
)
def test_numeric_hosts_read_as_java_and_the_c_library_read_them(host: str, expected: str) -> None:
    target = parse_target(f"{host}:8443")
    assert (target.host, target.port) == (expected, 8443)
    assert target.is_ip == (expected != host)


@pytest.mark.parametrize("host", ["127.0.0.1.", "1.2.3.", "010.0.0.1.", "0x7f000001."])
def test_a_numeric_host_with_a_trailing_dot_is_refused(host: str) -> None:
    """Java and the C library look ``127.0.0.1.`` up as a name (it does not resolve):
    without the dot, sslpoke would connect to an address that neither reaches."""
    with pytest.raises(UsageError) as caught:
        parse_target(f"{host}:443")
    assert str(caught.value) == (
        f"host {host!r}: with its trailing dot it is a name to look up, not an address, to "
        "Java and the C library alike (it does not resolve): write the address without the dot"
    )
    assert parse_target("example.com.").host == "example.com"  # a name's dot is harmless
    assert parse_target("1example.com.").host == "1example.com"


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("010.0.0.1", "Java reads it as 10.0.0.1, the C library (getaddrinfo, curl, Python, openssl) as 8.0.0.1"),
        ("192.168.001.010", "Java reads it as 192.168.1.10, the C library (getaddrinfo, curl, Python, openssl) as 192.168.1.8"),
        ("127.0.0.08", "Java reads it as 127.0.0.8, the C library (getaddrinfo, curl, Python, openssl) not as an address but as a host name"),
        ("0x7f000001", "Java does not take it as an address (UnknownHostException), the C library reads it as 127.0.0.1"),
        ("0251.254.169.254", "Java does not take it as an address (UnknownHostException), the C library reads it as 169.254.169.254"),
    ],
)  # fmt: skip
def test_a_host_java_and_the_c_library_read_differently_is_refused(host: str, words: str) -> None:
    """sslpoke would otherwise look at another host than the Java application does:
    ``010.0.0.1`` went to 8.0.0.1 (the C library) while Java connects to 10.0.0.1."""
    for spec in (host, f"{host}:443", f"https://{host}/", f"ldaps://{host}"):
        with pytest.raises(UsageError) as caught:
            parse_target(spec)
        assert str(caught.value) == (
            f"ambiguous IPv4 address {host!r}: {words}: "
            "write the address you mean in plain dotted decimal"
        )
