"""The interception list is data with a source per entry, and covers what the issue names."""

from __future__ import annotations

from sslpoke.diagnose.interception_products import PRODUCTS

NAMED = {
    "Avast",
    "AVG",
    "Kaspersky",
    "ESET",
    "Bitdefender",
    "Zscaler",
    "Netskope",
    "Fortinet",
    "Palo Alto Networks",
    "Blue Coat",
    "Cisco",
    "Superfish",
    "Dell",
}


def test_every_entry_is_complete_and_sourced() -> None:
    for p in PRODUCTS:
        assert p.product and p.how_to_stop, p
        assert p.kind in {"antivirus", "proxy", "adware"}, p
        assert p.match and all(m.strip() == m and len(m) >= 3 for m in p.match), p
        assert p.source.startswith("https://"), p


def test_the_products_the_issue_names_are_listed() -> None:
    vendors = {p.vendor for p in PRODUCTS}
    assert {v for v in NAMED if not any(v in vendor for vendor in vendors)} == set()


def test_match_strings_do_not_overlap_between_products() -> None:
    """One needle inside another product's would make the report name the wrong culprit."""
    needles = [(m.casefold(), p.product) for p in PRODUCTS for m in p.match]
    for a, pa in needles:
        for b, pb in needles:
            if pa != pb:
                assert a not in b, (a, pa, b, pb)
