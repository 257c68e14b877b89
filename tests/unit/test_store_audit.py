"""The truststore audit on hand-made root-program snapshots: one root per finding.

Each root plays one role (a Mozilla root the store lacks, one with a
distrust-after date, one Mozilla removed, a private one...), so each assertion
names exactly the finding it expects, and nothing else may appear for it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from sslpoke.data.roots import load_snapshot, parse_snapshot, shipped_snapshot, with_mozilla
from sslpoke.lab.pki import Issued, issue
from sslpoke.pki.certs import Cert
from sslpoke.storeaudit.audit import Category, audit_store
from sslpoke.storeaudit.update import plan_update
from sslpoke.stores.model import StoreType, TrustEntry, TrustStore

NOW = datetime.now(UTC)


def entry(cert: Issued | Cert, programs: list[str], **constraint: object) -> dict[str, object]:
    c = cert if isinstance(cert, Cert) else Cert(cert.der)
    stores = []
    for owner in programs:
        cons = []
        if constraint and owner == "MOZILLA":  # the shape cryptodatahub writes
            cons = [{"action": "DISTRUST", "domains": [], **constraint}]
        stores.append({"owner": owner, "constraints": cons})
    return {"certificate": c.pem.strip().splitlines(), "trust_stores": stores}


@pytest.fixture(scope="module")
def roots() -> dict[str, Issued]:
    def root(name: str, **kw: object) -> Issued:
        kw.setdefault("days", 3650)
        return issue(name, ca=True, **kw)  # type: ignore[arg-type]

    return {
        "kept": root("Kept Mozilla Root"),
        "missing": root("New Mozilla Root 2025"),
        "missing-old": root("Old Mozilla Root", not_before=NOW - timedelta(days=4000), days=3000),
        "distrust-after": root("Distrusted After Root"),
        "domains": root("Name Constrained Root"),
        "removed": root("Removed Root"),
        "jdk-only": root("JDK Only Root"),
        "jdk-codesign": root("JDK Code Signing Root"),
        "local": root("Our Company Root"),
        "expired": root("Expired Private Root", not_before=NOW - timedelta(days=400), days=30),
        "expiring": root("Expiring Private Root", days=100),
        "weak": root("Weak Key Root", key="rsa1024"),
        "sha1": root("SHA1 Root", key="rsa", hash_name="sha1"),
        "avast": root("Avast Web/Mail Shield Root", org="AVAST Software s.r.o."),
        "codesign": root("Code Signing Only Root", eku=[ExtendedKeyUsageOID.CODE_SIGNING]),
    }


@pytest.fixture(scope="module")
def snapshot(roots: dict[str, Issued]):  # type: ignore[no-untyped-def]
    data = {
        "KEPT": entry(roots["kept"], ["MOZILLA", "OPENJDK", "MICROSOFT"]),
        "MISSING": entry(roots["missing"], ["MOZILLA", "GOOGLE"]),
        "MISSING_OLD": entry(roots["missing-old"], ["MOZILLA"]),  # expired: never "missing"
        "DISTRUST": entry(roots["distrust-after"], ["MOZILLA"], date="2024-11-30T00:00:00"),
        "DOMAINS": entry(roots["domains"], ["MOZILLA"], domains=["*.tr"]),
        "REMOVED": entry(roots["removed"], ["APPLE", "ANDROID"]),
        "JDK_ONLY": entry(roots["jdk-only"], ["OPENJDK", "ORACLE", "MICROSOFT"]),
        "JDK_CS": entry(roots["jdk-codesign"], ["OPENJDK", "ORACLE"]),
    }
    return parse_snapshot(json.dumps(data).encode(), source="hand-made", as_of="2026-10")


def store_of(*certs: Issued | tuple[Issued, str], kind: StoreType = StoreType.PKCS12) -> TrustStore:
    entries = []
    for c in certs:
        issued, alias = c if isinstance(c, tuple) else (c, None)
        entries.append(TrustEntry(Cert(issued.der), alias or Cert(issued.der).display_name.lower()))
    return TrustStore(kind, tuple(entries), origin="test")


def by_category(audit, category: Category) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.name for f in audit.findings if f.category is category)


def test_every_category_on_its_own_root(roots: dict[str, Issued], snapshot) -> None:  # type: ignore[no-untyped-def]
    store = store_of(
        roots["kept"],
        roots["distrust-after"],
        roots["domains"],
        roots["removed"],
        roots["jdk-only"],
        roots["local"],
        roots["expired"],
        roots["expiring"],
        roots["weak"],
        roots["sha1"],
        (roots["avast"], "avast"),
        (roots["avast"], "avast-again"),
        roots["codesign"],
    )
    audit = audit_store(store, snapshot, now=NOW)
    assert by_category(audit, Category.MISSING) == ["New Mozilla Root 2025"]
    assert by_category(audit, Category.DISTRUSTED) == [
        "Distrusted After Root",
        "Name Constrained Root",
        "Removed Root",
    ]
    assert by_category(audit, Category.NOT_MOZILLA) == ["JDK Only Root"]
    assert by_category(audit, Category.EXPIRED) == ["Expired Private Root"]
    assert by_category(audit, Category.EXPIRING) == ["Expiring Private Root"]
    assert by_category(audit, Category.WEAK_KEY) == ["Weak Key Root"]
    assert by_category(audit, Category.WEAK_SIGNATURE) == ["SHA1 Root"]
    assert by_category(audit, Category.DUPLICATE) == ["Avast Web/Mail Shield Root"]
    assert by_category(audit, Category.INTERCEPTION) == ["Avast Web/Mail Shield Root"] * 2
    assert by_category(audit, Category.NOT_TLS) == ["Code Signing Only Root"]
    assert "Our Company Root" in by_category(audit, Category.LOCAL)
    assert "Kept Mozilla Root" not in {f.name for f in audit.findings}
    assert not audit.ok and audit.exit_code == 1
    assert audit.verdict().endswith("1 root missing, 3 distrusted (as of 2026-10)")

    messages = {f.name: f.message for f in audit.findings if f.category is Category.DISTRUSTED}
    assert "after 2024-11-30" in messages["Distrusted After Root"]
    assert "Java keeps trusting" in messages["Distrusted After Root"]
    assert "only for *.tr" in messages["Name Constrained Root"]
    assert "still included by: Apple, Android" in messages["Removed Root"]
    (missing,) = [f for f in audit.findings if f.category is Category.MISSING]
    assert missing.source == "Mozilla's list as of 2026-10 (hand-made)"
    assert (
        missing.programs == ("Mozilla", "Chrome") and "PKIX path building failed" in missing.message
    )
    expired = next(f for f in audit.findings if f.category is Category.EXPIRED)
    assert "does not date-check anchors" in expired.message


def test_a_complete_store_passes(roots: dict[str, Issued], snapshot) -> None:  # type: ignore[no-untyped-def]
    audit = audit_store(
        store_of(roots["kept"], roots["missing"], roots["jdk-only"]), snapshot, now=NOW
    )
    assert audit.ok and audit.exit_code == 0
    assert audit.months_behind is None
    assert audit.verdict().startswith("this truststore has every current TLS root")


def test_a_reissued_root_with_the_same_key_counts_as_present(snapshot, roots) -> None:  # type: ignore[no-untyped-def]
    """Java matches anchors by name and key: a re-issued root (new dates, same key) is there."""
    old = roots["missing"]
    again = issue("New Mozilla Root 2025", ca=True, key=old.key, days=7000)
    audit = audit_store(store_of(roots["kept"], again, roots["jdk-only"]), snapshot, now=NOW)
    assert by_category(audit, Category.MISSING) == []


def test_mixed_case_jks_aliases(roots: dict[str, Issued], snapshot) -> None:  # type: ignore[no-untyped-def]
    store = store_of((roots["local"], "ours"), (roots["expiring"], "OURS"), kind=StoreType.JKS)
    dup = [
        f
        for f in audit_store(store, snapshot, now=NOW).findings
        if f.category is Category.DUPLICATE
    ]
    assert len(dup) == 1 and "differ only in case (ours, OURS)" in dup[0].message


def test_jdk_distrust_policy_follows_this_java() -> None:
    """The shipped snapshot's Entrust root: Mozilla's distrust date, and the JDK's policy
    when (and only when) this Java has ENTRUST_TLS in jdk.security.caDistrustPolicies."""
    shipped = shipped_snapshot()
    entrust = next(
        r for r in shipped.roots if r.cert.display_name == "Entrust Root Certification Authority"
    )
    store = TrustStore(StoreType.JKS, (TrustEntry(entrust.cert, "entrustrootca"),), origin="test")
    on = audit_store(store, shipped, ca_distrust=frozenset({"ENTRUST_TLS"}), now=NOW)
    off = audit_store(store, shipped, ca_distrust=frozenset(), now=NOW)
    (policy_on,) = [f for f in on.findings if f.category is Category.JDK_POLICY]
    (policy_off,) = [f for f in off.findings if f.category is Category.JDK_POLICY]
    assert "refuses TLS certificates under it issued after 2024-11-11" in policy_on.message
    assert "turned off" in policy_off.message
    (mozilla,) = [f for f in on.findings if f.category is Category.DISTRUSTED]
    assert "after 2024-11-30" in mozilla.message and "ENTRUST_TLS policy refuses" in mozilla.message


def test_shipped_snapshot_is_cryptodatahub_1_6_1() -> None:
    shipped = shipped_snapshot()
    assert shipped.as_of == "2026-10" and shipped.source == "cryptodatahub 1.6.1"
    assert len(shipped.roots) == 307
    assert len(shipped.in_program("MOZILLA")) == 120
    assert len(shipped.in_program("OPENJDK")) == 109
    izenpe = [r for r in shipped.roots if r.distrust_after == date(2026, 4, 15)]
    assert [r.cert.display_name for r in izenpe] == ["Izenpe.com"]


def test_a_fresher_mozilla_list_takes_precedence(snapshot, roots) -> None:  # type: ignore[no-untyped-def]
    newer = with_mozilla(
        snapshot,
        [(Cert(roots["kept"].der), None, ()), (Cert(roots["local"].der), None, ())],
        as_of="2026-12-01",
        source="CCADB, fetched 2026-12-01",
    )
    assert newer.mozilla_source == "Mozilla's list as of 2026-12-01 (CCADB, fetched 2026-12-01)"
    names = sorted(r.cert.display_name for r in newer.in_program("MOZILLA"))
    assert names == ["Kept Mozilla Root", "Our Company Root"]  # the rest lost Mozilla
    audit = audit_store(store_of(roots["kept"], roots["jdk-only"]), newer, now=NOW)
    assert by_category(audit, Category.MISSING) == ["Our Company Root"]


def test_no_user_data_means_the_shipped_snapshot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert load_snapshot(tmp_path) is shipped_snapshot()


def test_update_plan_adds_missing_and_removes_only_distrusted(roots, snapshot) -> None:  # type: ignore[no-untyped-def]
    store = store_of(roots["kept"], roots["removed"], roots["local"])
    audit = audit_store(store, snapshot, now=NOW)
    plan = plan_update(store, audit, snapshot, source="mozilla", remove_distrusted=True)
    assert [c.display_name for c, _ in plan.add] == ["New Mozilla Root 2025"]  # not the expired one
    assert [c.display_name for c, _ in plan.remove] == ["Removed Root"]  # never the local one
    keep = plan_update(store, audit, snapshot, source="mozilla", remove_distrusted=False)
    assert keep.remove == ()
    jdk = plan_update(store, audit, snapshot, source="jdk", remove_distrusted=False)
    assert [c.display_name for c, _ in jdk.add] == ["JDK Only Root"]  # not the code-signing one


def test_bad_snapshot_is_a_clear_error() -> None:
    from sslpoke.errors import InputError

    with pytest.raises(InputError, match="not JSON"):
        parse_snapshot(b"{", source="x", as_of="?")
    with pytest.raises(InputError, match="entry 'A' cannot be read"):
        parse_snapshot(b'{"A": {"trust_stores": []}}', source="x", as_of="?")


def test_ccadb_csv_rows_and_errors(roots) -> None:  # type: ignore[no-untyped-def]
    from sslpoke.data.ccadb import parse_ccadb_csv
    from sslpoke.errors import InputError

    pem = roots["kept"].pem.decode().strip()
    text = (
        '"PEM","Distrust for TLS After Date","Mozilla Applied Constraints"\n'
        f'"\'{pem}\'","2025.01.31","*.example"\n'
    )
    ((cert, distrust, domains),) = parse_ccadb_csv(text, source="t")
    assert cert.display_name == "Kept Mozilla Root"
    assert distrust == date(2025, 1, 31) and domains == ("*.example",)
    with pytest.raises(InputError, match="no PEM column"):
        parse_ccadb_csv("a,b\n1,2\n", source="t")
    with pytest.raises(InputError, match="row 2: the PEM is not a certificate"):
        parse_ccadb_csv('PEM\n"junk"\n', source="t")
    with pytest.raises(InputError, match="bad date"):
        parse_ccadb_csv(text.replace("2025.01.31", "31/01/2025"), source="t")
    assert x509  # the module is used for EKU OIDs above
