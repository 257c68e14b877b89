"""Running x509-limbo testcases through sslpoke's validator (shared by the test and the benchmark)."""

from __future__ import annotations

import json
import lzma
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import sslpoke
from sslpoke.pki.certs import Cert, CertificateParseError, load_pem_or_der
from sslpoke.pki.policy import Profile
from sslpoke.pki.revocation import CrlSet, load_crls
from sslpoke.stores import StoreType, TrustEntry, TrustStore

HERE = Path(__file__).parent
DATA = HERE / "data" / "limbo.json.xz"
KNOWN = HERE / "known_differences.toml"

#: Features sslpoke does not claim; testcases tagged with them are skipped (and only those).
UNCLAIMED_FEATURES = {
    "has-policy-constraints": "certificate policy processing (policyConstraints) is not implemented in the webpki profile",
}
#: Features a profile does claim although others do not.
CLAIMED_BY = {"java": {"has-policy-constraints"}}


@cache
def server_cases() -> list[dict[str, Any]]:
    with lzma.open(DATA, "rt", encoding="utf-8") as fh:
        suite = json.load(fh)
    return [t for t in suite["testcases"] if t["validation_kind"] == "SERVER"]


def known_differences() -> dict[str, dict[str, str]]:
    data = tomllib.loads(KNOWN.read_text("utf-8"))
    return {profile: dict(entries) for profile, entries in data.items()}


def prefix(case_id: str) -> str:
    return case_id.split("::", 1)[0]


def skip_reason(case: dict[str, Any], profile: str = "webpki") -> str | None:
    for feature in case["features"]:
        if feature in UNCLAIMED_FEATURES and feature not in CLAIMED_BY.get(profile, ()):
            return UNCLAIMED_FEATURES[feature]
    return None


def _certs(pems: list[str]) -> list[Cert]:
    out: list[Cert] = []
    for pem in pems:
        try:
            out += load_pem_or_der(pem.encode())
        except CertificateParseError:
            continue
    return out


@dataclass
class Outcome:
    case_id: str
    expected: str
    verdict: str
    codes: tuple[str, ...]
    seconds: float
    report: Any = None  # the whole report (for the golden file of every case's words)

    @property
    def passed(self) -> bool:
        return self.verdict == self.expected


def run_case(case: dict[str, Any], profile: str | Profile) -> Outcome:
    """Validate one testcase as ``sslpoke verify`` would; a crash is a test failure, not a verdict."""
    import time

    started = time.perf_counter()
    leaves = _certs([case["peer_certificate"]])
    if (
        not leaves
    ):  # sslpoke refuses an unparseable leaf, which is the right verdict for these cases
        return Outcome(
            case["id"],
            case["expected_result"],
            "FAILURE",
            ("invalid-certificate",),
            time.perf_counter() - started,
        )
    anchors = _certs(case["trusted_certs"])
    store = TrustStore(
        StoreType.PEM, tuple(TrustEntry(c) for c in anchors), None, "limbo trusted_certs"
    )
    when = (
        datetime.fromisoformat(case["validation_time"])
        if case["validation_time"]
        else datetime.now(UTC)
    )
    crls = (
        CrlSet([c for pem in case["crls"] for c in load_crls(pem.encode(), "testcase CRL")])
        if case["crls"]
        else None
    )
    peer = case["expected_peer_name"]
    report = sslpoke.verify(
        leaves,
        truststore=store,
        intermediates=_certs(case["untrusted_intermediates"]),
        host=peer["value"] if peer else None,
        at=when,
        crls=crls,
        max_depth=case["max_chain_depth"],
        profile=profile,
        reference=False,
    )
    verdict = "SUCCESS" if report.ok else "FAILURE"
    return Outcome(
        case["id"],
        case["expected_result"],
        verdict,
        tuple(p.code.value for p in report.errors),
        time.perf_counter() - started,
        report,
    )


def run_all(profile: str) -> Iterator[tuple[dict[str, Any], Outcome | None]]:
    for case in server_cases():
        yield case, (None if skip_reason(case, profile) else run_case(case, profile))
