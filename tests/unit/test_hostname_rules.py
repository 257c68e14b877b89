"""The host-name rules, case by case, with the exact verdict and words.

Each expectation comes from the rule it names (RFC 6125 / the CA/B Forum's
wildcard rule for ``webpki``; ``sun.security.util.HostnameChecker`` and
``javax.net.ssl.SNIHostName`` for ``java``), not from running the code. The
whole ``NameCheck`` is compared, so a wrong flag or a changed message fails too:
the messages are the ones Java prints, which users search for.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

from sslpoke.pki.certs import Cert
from sslpoke.pki.hostname import (
    NameCheck,
    check_java,
    check_webpki,
    is_valid_dns_name,
    java_dns_match,
    parse_ip,
    webpki_dns_match,
)

_KEY = ec.generate_private_key(ec.SECP256R1())
_NOT_JDK: Callable[[], bool] = lambda: False  # noqa: E731 - a chain to a private root
_JDK: Callable[[], bool] = lambda: True  # noqa: E731 - a chain to a root in the JDK's cacerts


def cert(
    *cns: str, dns: tuple[str, ...] = (), ips: tuple[str, ...] = (), san: bool | bytes = True
) -> Cert:
    """A self-signed certificate with these CNs and SANs (``san=False``: no SAN;
    bytes: a SAN extension with that undecodable body)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn) for cn in cns])
    start = datetime.datetime(2026, 1, 1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=1))
    )
    if isinstance(san, bytes):
        ext: x509.ExtensionType = x509.UnrecognizedExtension(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME, san
        )
        builder = builder.add_extension(ext, critical=False)
    elif san:
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    signed = builder.sign(_KEY, hashes.SHA256())
    return Cert(signed.public_bytes(serialization.Encoding.DER))


# --- syntax ------------------------------------------------------------------------


def test_parse_ip_takes_bracketed_ipv6_and_refuses_names() -> None:
    assert parse_ip("[::1]") == ipaddress.IPv6Address("::1")
    assert parse_ip("10.0.0.1") == ipaddress.IPv4Address("10.0.0.1")
    assert parse_ip("example.com") is None


@pytest.mark.parametrize(
    ("name", "wildcard_ok", "valid"),
    [
        ("example.com", False, True),
        ("Example.COM.", False, True),  # case and the root dot do not matter
        ("*.example.com", False, False),  # a wildcard only where asked for
        ("*.example.com", True, True),
        ("*.com", True, True),  # syntax only: the public-suffix rule is elsewhere
        ("*", True, False),  # a lone star is no name
        ("*.a_b.com", True, False),  # the rest after the star is still checked
        ("a.*.com", True, False),
        ("", False, False),
        ("-a.com", False, False),
        ("a" * 63 + ".com", False, True),
        ("a" * 64 + ".com", False, False),
        (".".join(["a" * 62] * 4) + ".b", False, True),  # 253 characters
        (".".join(["a" * 62] * 4) + ".bc", False, False),  # 254
        (".".join(["a" * 63] * 5), False, False),  # valid labels, far too long
    ],
)
def test_dns_name_syntax(name: str, wildcard_ok: bool, valid: bool) -> None:
    assert is_valid_dns_name(name, wildcard_ok=wildcard_ok) is valid


def test_default_refuses_wildcards() -> None:
    assert is_valid_dns_name("*.example.com") is False


# --- webpki ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "name", "match"),
    [
        ("example.com", "example.com", True),
        ("EXAMPLE.com.", "example.COM", True),
        ("example.com.", "example.com.", True),
        (".example.com", "example.com", False),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", False),  # one label only
        ("*.example.com", "example.com", False),
        ("*.example.com", ".example.com", False),
        ("*.com", "a.com", False),  # wildcard over a TLD
        ("*.co.uk", "a.co.uk", False),  # over a public suffix
        ("*.github.io", "a.github.io", False),  # private PSL entries count for browsers
        ("a*.example.com", "ab.example.com", False),  # partial-label wildcards: not in webpki
        ("ex_ample.com", "ex_ample.com", False),
        ("example.com", "ex_ample.com", False),
        ("*.example.com", "a_b.example.com", False),  # the name must be a host name too
    ],
)
def test_webpki_dns_match(pattern: str, name: str, match: bool) -> None:
    assert webpki_dns_match(pattern, name) is match


def test_webpki_without_san_ignores_the_cn() -> None:
    assert check_webpki(cert("a.example", san=False), "a.example") == NameCheck(
        False,
        "the certificate has no subjectAltName extension; browsers and most clients ignore the CN",
        missing_san=True,
    )


def test_webpki_matches_and_lists_what_the_certificate_has() -> None:
    c = cert("x", dns=("a.example", "*.b.example"), ips=("10.0.0.1",))
    assert check_webpki(c, "a.example") == NameCheck(True, "")
    assert check_webpki(c, "z.b.example") == NameCheck(True, "")
    assert check_webpki(c, "10.0.0.1") == NameCheck(True, "")
    assert check_webpki(c, "[10.0.0.1]") == NameCheck(True, "")
    assert check_webpki(c, "10.0.0.2") == NameCheck(
        False,
        "no subjectAltName IP address matches 10.0.0.2 (it has: a.example, *.b.example, 10.0.0.1)",
    )
    assert check_webpki(c, "c.example") == NameCheck(
        False, "no subjectAltName matches c.example (it has: a.example, *.b.example, 10.0.0.1)"
    )


def test_webpki_shortens_long_san_lists() -> None:
    c = cert("x", dns=tuple(f"h{i}.example" for i in range(7)), ips=("10.0.0.1",))
    assert check_webpki(c, "c.example").detail == (
        "no subjectAltName matches c.example (it has: h0.example, h1.example, h2.example, "
        "h3.example, h4.example, h5.example and 2 more)"
    )
    six = cert("x", dns=tuple(f"h{i}.example" for i in range(6)))
    assert check_webpki(six, "c.example").detail.endswith("h5.example)")
    seven = cert("x", dns=tuple(f"h{i}.example" for i in range(7)))
    assert check_webpki(seven, "c.example").detail.endswith("h5.example and 1 more)")


def test_webpki_empty_san() -> None:
    assert check_webpki(cert("x", dns=()), "c.example") == NameCheck(
        False, "no subjectAltName matches c.example (it has: none)"
    )


# --- java --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "template", "public_anchor", "leftmost_only", "match"),
    [
        ("a.example", "a.example", _NOT_JDK, False, True),
        ("A.Example.", "a.example", _NOT_JDK, False, True),
        ("a.example", "A.EXAMPLE.", _NOT_JDK, False, True),
        ("a.example", ".a.example", _NOT_JDK, False, False),
        ("a.AX", "a.ax", _NOT_JDK, False, True),  # only dots are stripped from the end
        ("a.ax", "a.AX.", _NOT_JDK, False, True),
        ("a.example.", ".a.example", _NOT_JDK, False, False),
        ("ab.example", "a*.example", _NOT_JDK, False, True),  # Java takes partial labels
        ("ab", "a*", _NOT_JDK, False, False),  # no dot after the star: illegal
        ("a", "*", _NOT_JDK, False, False),
        ("a.", "*.", _NOT_JDK, False, False),
        ("a.b", "*.*", _NOT_JDK, False, False),  # judged from the *last* star
        ("a.b.example", "*.*.example", _NOT_JDK, False, True),
        ("a.b.example", "a.*.example", _NOT_JDK, False, True),  # Java 17: any label
        ("a.b.example", "a.*.example", _NOT_JDK, True, False),  # Java 25: leftmost only
        ("a.example.com", "*.example.com", _NOT_JDK, True, True),
        ("a.co.uk", "*.co.uk", _NOT_JDK, False, True),  # private root: no suffix check
        ("a.co.uk", "*.co.uk", _JDK, False, False),  # JDK root: wildcard over a suffix
        ("a.github.io", "*.github.io", _JDK, False, True),  # ICANN section only
        ("a.b.example", "*.example", _NOT_JDK, False, False),  # one label per star
        ("-a.example", "-a.example", _NOT_JDK, False, False),  # SNIHostName refuses it
        ("a-.example", "a-.example", _NOT_JDK, False, False),
        ("a..example", "a..example", _NOT_JDK, False, False),
        ("a_b.example", "a_b.example", _NOT_JDK, False, False),
        ("a" * 63 + ".example", "a" * 63 + ".example", _NOT_JDK, False, True),
        ("a" * 64 + ".example", "a" * 64 + ".example", _NOT_JDK, False, False),
        ("b" + "a" * 61 + ".example", "*" + "a" * 61 + ".example", _NOT_JDK, False, True),
        # U-labels: IDN.toUnicode(IDN.toASCII(...)) on both sides
        ("bücher.example", "xn--bcher-kva.example", _NOT_JDK, False, True),
        ("xn--bcher-kva.example", "BÜCHER.example", _NOT_JDK, False, True),
        ("bücher.example", "*.example", _NOT_JDK, False, True),
        ("xn--zz.example", "xn--zz.example", _NOT_JDK, False, True),  # bad punycode: kept
        ("a\ufffdb.example", "x.example", _NOT_JDK, False, False),  # toASCII throws
        ("x.example", "a\ufffdb.example", _NOT_JDK, False, False),
    ],
)
def test_java_dns_match(
    name: str, template: str, public_anchor: Callable[[], bool], leftmost_only: bool, match: bool
) -> None:
    got = java_dns_match(name, template, public_anchor=public_anchor, leftmost_only=leftmost_only)
    assert got is match


def test_java_ip_names() -> None:
    c = cert("10.0.0.1", ips=("10.0.0.1",), dns=("a.example",))
    assert check_java(c, "10.0.0.1") == NameCheck(True, "")
    assert check_java(c, "10.0.0.2") == NameCheck(
        False, "No subject alternative names matching IP address 10.0.0.2 found"
    )
    # an IP is never taken from the CN
    assert check_java(cert("10.0.0.1", san=False), "10.0.0.1") == NameCheck(
        False, "No subject alternative names present", missing_san=True
    )


def test_java_dns_names() -> None:
    c = cert("cn.example", dns=("a.example",))
    assert check_java(c, "a.example") == NameCheck(True, "")
    # a SAN with DNS names hides the CN
    assert check_java(c, "cn.example") == NameCheck(
        False, "No subject alternative DNS name matching cn.example found."
    )


def test_java_falls_back_to_the_most_specific_cn() -> None:
    c = cert("first.example", "last.example", san=False)
    assert check_java(c, "last.example") == NameCheck(True, "")
    assert check_java(c, "first.example") == NameCheck(
        False, "No name matching first.example found"
    )
    # a SAN with only IP addresses leaves the CN in play for DNS names
    assert check_java(cert("a.example", ips=("10.0.0.1",)), "a.example") == NameCheck(True, "")


def test_java_cn_wildcards_follow_the_version_and_the_anchor() -> None:
    c = cert("a.*.example", san=False)
    assert check_java(c, "a.b.example", version=(17,)).ok is True
    assert check_java(c, "a.b.example", version=(25,)) == NameCheck(
        False, "No name matching a.b.example found"
    )
    suffix = cert("*.co.uk", san=False)
    assert check_java(suffix, "a.co.uk", public_anchor=_JDK).ok is False
    assert check_java(suffix, "a.co.uk", public_anchor=_NOT_JDK).ok is True
    in_san = cert("x", dns=("*.co.uk", "a.*.example"))
    assert check_java(in_san, "a.co.uk", public_anchor=_JDK).ok is False
    assert check_java(in_san, "a.co.uk", public_anchor=_NOT_JDK).ok is True
    assert check_java(in_san, "a.b.example", version=(17, 0, 15)).ok is True
    assert check_java(in_san, "a.b.example", version=(25,)).ok is False


def test_java_25_refuses_an_unparsable_san_where_17_uses_the_cn() -> None:
    c = cert("a.example", san=b"\x30\x03\x82\x01")
    assert check_java(c, "a.example", version=(17,)) == NameCheck(True, "")
    assert check_java(c, "a.example", version=(25,)) == NameCheck(
        False, "the subjectAltName extension cannot be parsed (Java 25: not enough content)"
    )
