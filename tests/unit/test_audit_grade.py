"""The grade's caps as testssl.sh's run_rating sets them, on hand-made enumerations:
each cap appears for its cause alone, and the letter follows the worst cap."""

from __future__ import annotations

from sslpoke.audit import wire
from sslpoke.audit.enumerate import Enumeration, VersionResult
from sslpoke.audit.grade import grade
from sslpoke.audit.suites import by_name

GOOD12 = ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
GOOD13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")


def enumeration(
    *, tls13: bool = True, tls10: bool = False, suites12: tuple[str, ...] = GOOD12
) -> Enumeration:
    table = by_name()
    versions = {
        v: VersionResult(v, False, (), None)
        for v in (wire.SSL3, wire.TLS10, wire.TLS11, wire.TLS12, wire.TLS13)
    }
    versions[wire.TLS12] = VersionResult(
        wire.TLS12, True, tuple(table[s].code for s in suites12), True
    )
    if tls13:
        versions[wire.TLS13] = VersionResult(
            wire.TLS13, True, tuple(table[s].code for s in GOOD13), True
        )
    if tls10:
        versions[wire.TLS10] = VersionResult(
            wire.TLS10, True, (table["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"].code,), True
        )
    return Enumeration(
        "example:443", False, versions, (0x001D,), (0x001D,), None, (0x0804,),
        False, True, True, "h2", {}, 10, 0.1,
    )  # fmt: skip


def letter(**kw: object) -> tuple[str, tuple[str, ...]]:
    e = kw.pop("e", enumeration())
    g = grade(e, key_bits=2048, **{"trusted": True, "name_ok": True, "hsts_ok": True, **kw})  # type: ignore[arg-type]
    return g.grade, g.caps


def test_a_clean_server_gets_a_plus() -> None:
    assert letter() == ("A+", ())


def test_each_cap_for_its_cause() -> None:
    assert letter(trusted=False, trust_codes=("unknown-ca",))[0] == "T"
    grade_, caps = letter(trusted=False, trust_codes=("incomplete-chain",))
    assert grade_ == "B" and caps == ("B: the chain is incomplete",)
    grade_, caps = letter(starttls=True)
    assert grade_ == "T" and "STARTTLS" in caps[0]
    assert letter(revoked=True) == ("T", ("T: the certificate is revoked",))
    assert letter(name_ok=False)[0] == "M"
    assert letter(e=enumeration(tls10=True))[0] == "B"


def test_warnings_make_a_minus() -> None:
    assert letter(hsts_ok=False)[0] == "A-"
    assert letter(e=enumeration(tls13=False))[0] == "A-"


def test_t_beats_every_letter() -> None:
    grade_, caps = letter(e=enumeration(tls10=True), starttls=True)
    assert grade_ == "T" and len(caps) == 2
