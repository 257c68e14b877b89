"""x509-limbo: every SERVER testcase through sslpoke's validator, for both profiles.

A verdict must equal the expected result unless ``known_differences.toml`` lists the
testcase with a reason; a listed testcase that starts to pass fails too, so the list
stays true. The per-prefix results go to ``reports/limbo-results.md``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conformance.limbo import (
    Outcome,
    known_differences,
    prefix,
    run_case,
    server_cases,
    skip_reason,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = server_cases()
KNOWN = known_differences()
RESULTS: dict[str, dict[str, Outcome | None]] = {"webpki": {}, "java": {}}

# pyca/cryptography 50.0.2 on the same file (from the suite's README): pass, fail, skip.
PYCA = {
    "crl": (0, 0, 8),
    "cve": (3, 0, 0),
    "invalid": (1, 0, 0),
    "online": (14, 0, 0),
    "pathlen": (10, 3, 0),
    "pathological": (11, 0, 0),
    "rfc5280": (83, 7, 2),
    "webpki": (32, 24, 0),
}


@pytest.fixture(scope="module", autouse=True)
def _report() -> object:
    yield
    if not all(len(r) == len(CASES) for r in RESULTS.values()):
        return
    lines = ["# x509-limbo SERVER testcases: sslpoke and pyca/cryptography", ""]
    lines.append(
        "| prefix | cases | webpki pass | fail | skip | java pass | fail | skip | pyca pass | fail | skip |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals: Counter[str] = Counter()
    for pre in sorted({prefix(c["id"]) for c in CASES}):
        ids = [c["id"] for c in CASES if prefix(c["id"]) == pre]
        row = [pre, str(len(ids))]
        for profile in ("webpki", "java"):
            outs = [RESULTS[profile][i] for i in ids]
            p = sum(1 for o in outs if o and o.passed)
            f = sum(1 for o in outs if o and not o.passed)
            s = sum(1 for o in outs if o is None)
            totals.update({f"{profile}p": p, f"{profile}f": f, f"{profile}s": s})
            row += [str(p), str(f), str(s)]
        pp, pf, ps = PYCA.get(pre, (0, 0, 0))
        totals.update({"pycap": pp, "pycaf": pf, "pycas": ps, "n": len(ids)})
        row += [str(pp), str(pf), str(ps)]
        lines.append("| " + " | ".join(row) + " |")
    lines.append(
        f"| **all** | **{totals['n']}** | **{totals['webpkip']}** | {totals['webpkif']} | {totals['webpkis']} "
        f"| **{totals['javap']}** | {totals['javaf']} | {totals['javas']} | **{totals['pycap']}** | {totals['pycaf']} | {totals['pycas']} |"
    )
    slowest = max((o for o in RESULTS["webpki"].values() if o), key=lambda o: o.seconds)
    lines += [
        "",
        f"Slowest testcase (webpki): `{slowest.case_id}`, {slowest.seconds * 1000:.1f} ms.",
        "",
    ]
    lines += ["Differences, with reasons: `tests/conformance/known_differences.toml`.", ""]
    out = ROOT / "reports" / "limbo-results.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines))


@pytest.mark.parametrize("profile", ["webpki", "java"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_limbo_case(case: dict[str, object], profile: str) -> None:
    reason = skip_reason(case, profile)  # type: ignore[arg-type]
    if reason is not None:
        RESULTS[profile][case["id"]] = None  # type: ignore[index]
        pytest.skip(f"feature not claimed by sslpoke: {reason}")
    outcome = run_case(case, profile)  # type: ignore[arg-type]
    RESULTS[profile][outcome.case_id] = outcome
    known = KNOWN.get(profile, {}).get(outcome.case_id)
    if known is None:
        assert outcome.passed, (
            f"{profile}: expected {outcome.expected}, sslpoke said {outcome.verdict} ({', '.join(outcome.codes)})"
        )
    else:
        assert not outcome.passed, (
            f"{profile}: now agrees with limbo; remove it from known_differences.toml ({known})"
        )


def test_webpki_target_met() -> None:
    """At least 170 of 198 SERVER testcases pass with the webpki profile (pyca/cryptography: 154)."""
    passed = sum(1 for c in CASES if not skip_reason(c) and run_case(c, "webpki").passed)
    assert passed >= 170, passed


def test_known_differences_name_real_testcases() -> None:
    ids = {c["id"] for c in CASES}
    for profile, entries in KNOWN.items():
        assert set(entries) <= ids, f"{profile}: unknown ids {set(entries) - ids}"
        assert all(reason.strip() for reason in entries.values())
