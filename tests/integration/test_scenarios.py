"""Every trust problem provoked through a real handshake with a loopback server."""

from __future__ import annotations

from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.problems import Code, Severity
from tests.conftest import serving, write_pem

SCENARIOS = sorted(Lab().scenarios())


def run(lab: Lab, name: str, tmp_path: Path, **options: object) -> tuple[object, sslpoke.Report]:
    scenario = lab.scenarios()[name]()
    store = write_pem(scenario.trust, tmp_path / "trust.pem")
    reference = (
        write_pem(scenario.reference, tmp_path / "reference.pem") if scenario.reference else None
    )
    with serving(scenario) as server:
        report = sslpoke.probe(
            scenario.servername,
            server.port,
            truststore=store,
            timeout=5,
            reference=reference if reference else None,
            **options,  # type: ignore[arg-type]
        )
    return scenario, report


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_diagnosis(lab: Lab, name: str, tmp_path: Path) -> None:
    scenario, report = run(lab, name, tmp_path)
    codes = [p.code for p in report.problems]
    if scenario.expect is None:  # type: ignore[attr-defined]
        assert report.ok, [(p.code, p.message) for p in report.problems]
        assert report.exit_code == 0
    else:
        assert not report.ok
        assert report.errors[0].code is scenario.expect, [
            (p.code, p.message) for p in report.problems
        ]  # type: ignore[attr-defined]
    if scenario.warning is not None:  # type: ignore[attr-defined]
        assert scenario.warning in codes  # type: ignore[attr-defined]
        assert all(
            p.severity is Severity.WARNING for p in report.problems if p.code is scenario.warning
        )  # type: ignore[attr-defined]
    # The report always names the truststore it used and what was sent.
    assert report.truststore is not None and report.truststore.entries == len(scenario.trust)  # type: ignore[attr-defined]
    assert len(report.chain) == len(scenario.send)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name", ["sha1-leaf", "wrong-order", "cross-signed-expired", "unknown-root", "weak-key"]
)
def test_webpki_profile(lab: Lab, name: str, tmp_path: Path) -> None:
    scenario, report = run(lab, name, tmp_path, profile="webpki")
    expected = scenario.expect if scenario.webpki_expect == "same" else scenario.webpki_expect  # type: ignore[attr-defined]
    if expected is None:
        assert report.ok, [(p.code, p.message) for p in report.problems]
    else:
        assert expected in [p.code for p in report.errors]


def test_no_hostname_check_is_sslpoke_exact(lab: Lab, tmp_path: Path) -> None:
    _, report = run(lab, "wrong-host", tmp_path, check_hostname=False)
    assert report.ok and report.checked_name is None


def test_incomplete_chain_names_missing_issuer_and_aia(lab: Lab, tmp_path: Path) -> None:
    _, report = run(lab, "missing-intermediate", tmp_path)
    problem = report.errors[0]
    assert "sslpoke Lab Intermediate CA" in problem.message
    assert "http://127.0.0.1:9/lab-intermediate.der" in problem.message
    assert "server" in problem.fix and "enableAIAcaIssuers" in problem.fix


def test_unknown_root_fix_names_store_and_keytool(lab: Lab, tmp_path: Path) -> None:
    _, report = run(lab, "root-sent-untrusted", tmp_path)
    problem = report.errors[0]
    assert problem.code is Code.UNKNOWN_CA and problem.cert_index == 2
    assert any(c.startswith("sslpoke trust localhost") for c in problem.commands)


def test_path_marks_broken_link(lab: Lab, tmp_path: Path) -> None:
    _, report = run(lab, "unknown-root", tmp_path)
    roles = [s.role.value for s in report.path]
    assert roles == ["leaf", "intermediate", "missing"]
    assert report.path[1].broken and not report.path[0].broken
    assert "sslpoke Lab Root CA" in report.path[2].note


def test_trusted_path_ends_at_truststore_anchor(lab: Lab, tmp_path: Path) -> None:
    _, report = run(lab, "cross-signed-expired", tmp_path)
    assert report.ok
    assert [s.role.value for s in report.path] == ["leaf", "intermediate", "anchor"]
    assert report.path[-1].cert is not None and report.path[-1].cert.name == "ISRG Root X1 (lab)"
    assert (
        report.path[-1].cert.sent_index is None
    )  # the trusted self-signed root, not the expired cross-sign


def test_save_chain_writes_pem_files(lab: Lab, tmp_path: Path) -> None:
    run(lab, "root-sent-untrusted", tmp_path, save_chain=tmp_path / "chain")
    files = sorted(p.name for p in (tmp_path / "chain").iterdir())
    assert files == [
        "0-localhost.pem",
        "1-sslpoke-lab-intermediate-ca.pem",
        "2-sslpoke-lab-root-ca.pem",
    ]
    assert (tmp_path / "chain" / files[2]).read_text().startswith("-----BEGIN CERTIFICATE-----")
