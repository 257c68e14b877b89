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


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("cn-only", Code.MISSING_SAN),
        ("expired-root-trusted", Code.EXPIRED),
        ("expired-pinned-leaf", Code.EXPIRED),
        ("root-name-constraints", Code.NAME_CONSTRAINTS),
    ],
)
def test_java_accepts_what_webpki_refuses(lab: Lab, name: str, code: Code, tmp_path: Path) -> None:
    _, java = run(lab, name, tmp_path)
    _, webpki = run(lab, name, tmp_path, profile="webpki")
    assert java.ok, [(p.code, p.message) for p in java.problems]
    assert not webpki.ok and code in [p.code for p in webpki.errors]


def test_truststore_property_naming_a_missing_file(lab: Lab, tmp_path: Path) -> None:
    """As the JDK does: fall back to cacerts silently - sslpoke says so."""
    from sslpoke.truststore_choice import StoreRequest

    scenario = lab.scenarios()["trusted"]()
    request = StoreRequest(
        java_args=[f"-Djavax.net.ssl.trustStore={tmp_path / 'typo.jks'}"], env={}
    )
    with serving(scenario) as server:
        report = sslpoke.probe(
            "localhost", server.port, truststore=request, timeout=5, reference=False
        )
    warning = next(p for p in report.problems if p.code is Code.TRUSTSTORE_FALLBACK)
    assert "typo.jks" in warning.message and "silently" in warning.message
    assert report.truststore is not None and report.truststore.location.endswith("cacerts")


def test_several_javas_warning(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sslpoke.java import discovery
    from sslpoke.truststore_choice import StoreRequest

    real = discovery.find_javas()
    if not real:
        pytest.skip("no Java installed")
    fake_store = real[0].store._replace(path=tmp_path / "other-cacerts", real_path=None)
    other = real[0]._replace(home=tmp_path / "other-jdk", store=fake_store)
    monkeypatch.setattr(discovery, "find_javas", lambda *a, **k: [*real, other])
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        report = sslpoke.probe(
            "localhost", server.port, truststore=StoreRequest(env={}), timeout=5, reference=False
        )
    warning = next(p for p in report.problems if p.code is Code.SEVERAL_JAVAS)
    assert str(tmp_path / "other-jdk") in warning.message and "--java" in warning.fix


def test_colour_only_on_a_terminal(lab: Lab, tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    scenario = lab.scenarios()["trusted"]()
    store = write_pem(scenario.trust, tmp_path / "t.pem")
    with serving(scenario) as server:
        outputs = {}
        for no_color in ("", "1"):
            leader, follower = pty.openpty()
            env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")} | {
                "TERM": "xterm-256color"
            }
            if no_color:
                env["NO_COLOR"] = no_color
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sslpoke",
                    "localhost",
                    str(server.port),
                    "--truststore",
                    str(store),
                ],
                stdout=follower,
                stderr=follower,
                env=env,
                timeout=60,
            )
            os.close(follower)
            chunks = []
            while True:
                try:
                    data = os.read(leader, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            os.close(leader)
            outputs[no_color] = b"".join(chunks).decode()
            assert proc.returncode == 0
    assert "\x1b[" in outputs[""] and "Successfully connected" in outputs[""]
    assert "\x1b[" not in outputs["1"] and "Successfully connected" in outputs["1"]
