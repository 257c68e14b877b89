"""The real JVM is the judge of the java profile: same servers, same truststore, same verdict.

For every lab scenario the bundled probe runs in a JVM with
``-Djavax.net.ssl.trustStore``, once as SSLPoke does (no host name check) and
once with endpoint identification HTTPS; sslpoke must reach the same verdict
with ``--no-hostname-check`` and without it. The verdicts are also written to
``reports/java-judge.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from tests.conftest import ROOT, run_java_probe, serving, write_p12, write_pem

SCENARIOS = sorted(Lab().scenarios())
TABLE: dict[str, tuple[str, str, str, str, str]] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_table() -> object:
    yield
    if not TABLE:
        return
    out = ROOT / "reports" / "java-judge.md"
    out.parent.mkdir(exist_ok=True)
    rows = [
        "| scenario | Java (SSLPoke mode) | sslpoke --no-hostname-check | Java (HTTPS) | sslpoke | sslpoke's main code |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {name} | {a} | {b} | {c} | {d} | {e} |"
        for name, (a, b, c, d, e) in sorted(TABLE.items())
    ]
    out.write_text("\n".join(rows) + "\n")


def _verdict(ok: bool) -> str:
    return "trusted" if ok else "fails"


@pytest.mark.jvm
@pytest.mark.parametrize("name", SCENARIOS)
def test_sslpoke_agrees_with_java(
    lab: Lab, name: str, tmp_path: Path, java: str, probe_classes: Path
) -> None:
    scenario = lab.scenarios()[name]()
    store = write_p12(scenario.trust, tmp_path / "trust.p12")
    reference: Path | bool = (
        write_pem(scenario.reference, tmp_path / "reference.pem") if scenario.reference else False
    )
    with serving(scenario) as server:
        java_says = run_java_probe(
            java, probe_classes, server.port, store, host=scenario.servername
        )
        plain = sslpoke.probe(
            scenario.servername,
            server.port,
            truststore=store,
            storepass="changeit",
            check_hostname=False,
            timeout=5,
            reference=reference,
        )
        https = sslpoke.probe(
            scenario.servername,
            server.port,
            truststore=store,
            storepass="changeit",
            timeout=5,
            reference=reference,
        )
    java_plain = java_says["sslpoke"].startswith("OK")
    java_https = java_says["https"].startswith("OK")
    main = https.errors[0].code.value if https.errors else "-"
    TABLE[name] = (
        _verdict(java_plain),
        _verdict(plain.ok),
        _verdict(java_https),
        _verdict(https.ok),
        main,
    )
    detail = f"Java: {java_says}; sslpoke: {[(p.code.value, p.message) for p in https.errors]}"
    assert plain.ok == java_plain, "SSLPoke mode disagrees. " + detail
    assert https.ok == java_https, "HTTPS mode disagrees. " + detail
