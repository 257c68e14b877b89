"""Path checks at their edges: the exact day, the exact hour, the exact rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sslpoke.java.rules import profile_for, read_rules
from sslpoke.lab.pki import issue
from sslpoke.pki.anchors import Anchor, AnchorSet
from sslpoke.pki.certs import Cert
from sslpoke.pki.checks import Context
from sslpoke.pki.validate import validate
from sslpoke.problems import Code, Severity

JAVA17 = profile_for(read_rules(None))
JAVA25 = profile_for(read_rules(None)._replace(version=(25, 0, 3), version_text="25.0.3"))


def chain(**leaf: object) -> tuple[Cert, Cert, AnchorSet]:
    root = issue("Edge Root", ca=True, days=3650, key="rsa2048")
    inter = issue("Edge Inter", root, ca=True, days=1800)
    leaf.setdefault("sans", ["edge.example"])
    end = issue("edge.example", inter, **leaf)  # type: ignore[arg-type]
    return Cert(end.der), Cert(inter.der), AnchorSet([Anchor(Cert(root.der), "edge-root")])


def findings(
    leaf: Cert, inter: Cert, anchors: AnchorSet, ctx: Context
) -> list[tuple[Code, Severity, int | None, str]]:
    v = validate(leaf, [inter], anchors, ctx)
    return [(f.code, f.severity, f.position, f.detail) for f in v.best.findings]


def test_expiring_edges() -> None:
    leaf, inter, anchors = chain(days=40)
    end = leaf.not_after
    hours = findings(
        leaf, inter, anchors, Context(JAVA17, end - timedelta(hours=5), "edge.example")
    )
    assert hours == [
        (
            Code.EXPIRING_SOON,
            Severity.WARNING,
            0,
            f"expires on {end:%Y-%m-%d %H:%M:%S} UTC, within a day",
        )
    ]
    exactly = Context(JAVA17, end - timedelta(days=30), "edge.example")
    assert findings(leaf, inter, anchors, exactly) == []  # 30 days left is not "within 30 days"
    inside = Context(JAVA17, end - timedelta(days=30) + timedelta(seconds=1), "edge.example")
    assert [f[3].split(", ")[-1] for f in findings(leaf, inter, anchors, inside)] == ["in 29 days"]
    one = Context(JAVA17, end - timedelta(days=1, hours=1), "edge.example")
    assert findings(leaf, inter, anchors, one)[0][3].endswith(", in 1 day")


def test_distrust_is_judged_on_the_day_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """A certificate issued *on* the cut-off date is still trusted; the day after, not."""
    from sslpoke.data import jdk_distrust

    leaf, inter, anchors = chain()
    root = next(iter(anchors)).cert
    issued = leaf.not_before.date()
    for cutoff, distrusted in ((issued, False), (issued - timedelta(days=1), True)):
        policy = jdk_distrust.DistrustPolicy(
            "TEST_TLS", "Test", cutoff, frozenset({root.sha256.hex().upper()})
        )
        monkeypatch.setattr(jdk_distrust, "POLICIES", {"TEST_TLS": policy})
        profile = JAVA17._replace(ca_distrust=frozenset({"TEST_TLS"}))
        got = findings(leaf, inter, anchors, Context(profile, datetime.now(UTC), "edge.example"))
        assert bool(got) is distrusted, (cutoff, got)
        if distrusted:
            ((code, severity, pos, detail),) = got
            assert (code, severity, pos) == (Code.DISTRUSTED_CA, Severity.ERROR, 2)
            assert detail.startswith(
                f"is distrusted by Java for server certificates issued after {cutoff} (TEST_TLS"
            )
            assert detail.endswith("anchored by a distrusted legacy Test root CA: CN=Edge Root")


@pytest.mark.parametrize(("hash_name", "refused"), [("sha224", True), ("sha256", False)])
def test_java25_refuses_sha224_signatures_that_java17_accepts(
    hash_name: str, refused: bool
) -> None:
    leaf, inter, anchors = chain(hash_name=hash_name, key="rsa2048")
    at = datetime.now(UTC)
    assert findings(leaf, inter, anchors, Context(JAVA17, at, "edge.example")) == []
    got = findings(leaf, inter, anchors, Context(JAVA25, at, "edge.example"))
    if not refused:
        assert got == []
        return
    ((code, severity, pos, detail),) = got
    assert (code, severity, pos) == (Code.WEAK_SIGNATURE, Severity.ERROR, 0)
    assert detail.startswith("is signed with SHA-224") or "SHA224" in detail.upper(), detail
    assert "Java 25.0.3 defaults" in detail or "25.0.3" in detail, detail
