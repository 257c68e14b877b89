"""Host name rules (Java's and the browsers'), name constraints, the Public Suffix List."""

from __future__ import annotations

import pytest
from cryptography import x509

from sslpoke.lab.pki import issue
from sslpoke.pki import nameconstraints as nc
from sslpoke.pki import publicsuffix
from sslpoke.pki.hostname import check_java, check_webpki, java_dns_match, webpki_dns_match


@pytest.mark.parametrize(
    ("pattern", "name", "webpki", "java"),
    [
        ("example.com", "EXAMPLE.com", True, True),
        ("*.example.com", "foo.example.com", True, True),
        ("*.example.com", "example.com", False, False),
        ("*.example.com", "a.b.example.com", False, False),
        ("f*.example.com", "foo.example.com", False, True),  # Java matches inside the label
        ("foo.*.example.com", "foo.bar.example.com", False, True),  # and in any label (TLS mode)
        ("*.com", "example.com", False, True),  # Java checks public suffixes only under JDK roots
        ("*.co.uk", "example.co.uk", False, True),
        ("*", "com", False, False),
        ("foo_bar.example.com", "foo_bar.example.com", False, False),
    ],
)
def test_dns_matching(pattern: str, name: str, webpki: bool, java: bool) -> None:
    assert webpki_dns_match(pattern, name) is webpki
    assert java_dns_match(name, pattern, public_anchor=lambda: False) is java


def test_java_public_suffix_rule_under_jdk_roots() -> None:
    assert not java_dns_match("example.com", "*.com", public_anchor=lambda: True)
    assert java_dns_match("foo.example.com", "*.example.com", public_anchor=lambda: True)


def test_cn_fallback_and_ip_rules() -> None:
    cn_only = issue("legacy.example.com", sans=[]).c
    assert check_java(cn_only, "legacy.example.com").ok
    webpki = check_webpki(cn_only, "legacy.example.com")
    assert not webpki.ok and webpki.missing_san
    both = issue("ignored.example.com", sans=["www.example.com", "192.0.2.7"]).c
    assert not check_java(
        both, "ignored.example.com"
    ).ok  # a DNS SAN exists: the CN is not looked at
    assert check_java(both, "192.0.2.7").ok and check_webpki(both, "192.0.2.7").ok
    assert not check_java(both, "192.0.2.8").ok
    assert "matching IP address 192.0.2.8" in check_java(both, "192.0.2.8").detail


def test_public_suffix_list() -> None:
    for domain, expected in (
        ("com", True),
        ("co.uk", True),
        ("example.com", False),
        ("s3.amazonaws.com", True),
    ):
        assert publicsuffix.is_public_suffix(domain) is expected
    assert not publicsuffix.is_public_suffix("s3.amazonaws.com", include_private=False)


def _subtrees(
    permitted: list[x509.GeneralName] | None = None, excluded: list[x509.GeneralName] | None = None
) -> tuple[nc.Subtrees | None, nc.Subtrees | None]:
    return nc.parse(x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=excluded))


@pytest.mark.parametrize(
    ("sans", "permitted", "excluded", "allowed"),
    [
        (["foo.example.com"], ["example.com"], None, True),
        (["example.com"], ["example.com"], None, True),
        (["notexample.com"], ["example.com"], None, False),
        (["*.example.com"], ["example.com"], None, True),
        (["*.example.com"], ["foo.example.com"], None, False),  # CVE-2025-61727
        (["*.example.com"], None, ["bar.example.com"], False),
        (["*.foo.example.com"], None, ["bar.example.com"], True),
        (["192.0.2.10"], ["192.0.2.0/24"], None, True),
        (["198.51.100.1"], ["192.0.2.0/24"], None, False),
        (["example.com"], ["192.0.2.0/24"], None, True),  # other name types are unconstrained
    ],
)
def test_name_constraints(
    sans: list[str], permitted: list[str] | None, excluded: list[str] | None, allowed: bool
) -> None:
    import ipaddress

    def names(values: list[str] | None) -> list[x509.GeneralName] | None:
        if values is None:
            return None
        out: list[x509.GeneralName] = []
        for v in values:
            try:
                out.append(x509.IPAddress(ipaddress.ip_network(v)))
            except ValueError:
                out.append(x509.DNSName(v))
        return out

    cert = issue("leaf", sans=sans).c
    p, e = _subtrees(names(permitted), names(excluded))
    subject_free = nc.Names.of(cert)
    subject_free.dir = []  # only the SAN names are under test here
    if allowed:
        nc.check(subject_free, p, e, nc.Budget())
    else:
        with pytest.raises(nc.NameConstraintError):
            nc.check(subject_free, p, e, nc.Budget())


def test_name_constraint_budget() -> None:
    many = [x509.DNSName(f"n{i}.example") for i in range(600)]
    p, e = _subtrees(many, many)
    cert = issue("leaf", sans=[f"h{i}.example" for i in range(200)]).c
    with pytest.raises(nc.NameConstraintError, match="denial-of-service"):
        nc.check(nc.Names.of(cert), p, e, nc.Budget())
