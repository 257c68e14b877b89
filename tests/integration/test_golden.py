"""The whole diagnosis, word for word, on every lab scenario and on seeded random chains.

What users read and paste is the product: each problem's code, severity, message
and fix, and which certificate of the path is blamed. These tests compare all of
it with reviewed files in ``tests/golden/``, after replacing what changes from run
to run (fingerprints, serials, dates, ports, temporary paths). A change of wording
shows up in review as a diff of those files:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/integration/test_golden.py

The verdicts in ``differential.json`` are the ones the JVM gives on the same chains
(``tests/differential`` checks that agreement with OpenJDK 17 and Java 25 in CI);
here they pin the codes, the words and the blamed certificate too, with no JVM needed.
The rules are those of Java 17 without a Java (``read_rules(None)``), so the files do
not depend on the machine's JDK.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import sslpoke
from sslpoke.java.rules import profile_for, read_rules
from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, write_pem

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))

_NORMAL = [
    (re.compile(r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){7,}\b"), "<FP>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<HEX>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:\+00:00| UTC|Z)?)?"), "<DATE>"),
    (re.compile(r"(localhost|127\.0\.0\.1|\[::1\]):\d+"), r"\1:<PORT>"),
    (re.compile(r"\b(localhost|127\.0\.0\.1) \d{2,5}\b"), r"\1 <PORT>"),
    (re.compile(r"/tmp/[^\s'\")]+"), "<TMP>"),
    (re.compile(r"\b\d+ days?\b"), "<N> days"),
    (re.compile(r"\b\d+ (hours?|minutes?|seconds?)\b"), r"<N> \1"),
]


def normal(text: str) -> str:
    for pattern, repl in _NORMAL:
        text = pattern.sub(repl, text)
    return text


def summary(report: sslpoke.Report) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "exit_code": report.exit_code,
        "problems": [
            [
                p.code.value,
                p.severity.value,
                normal(p.message),
                normal(p.fix or ""),
                p.cert_index,
                [normal(c) for c in p.commands],
            ]
            for p in report.problems
        ],
        "path": [
            [s.role.value, bool(s.broken), normal(s.note), s.cert.name if s.cert else None]
            for s in report.path
        ],
    }


def check(name: str, got: dict[str, Any]) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return
    want = json.loads(path.read_text())
    assert set(got) == set(want), sorted(set(got) ^ set(want))
    for key in sorted(want):
        assert got[key] == want[key], f"{name}: {key}"


def test_every_scenario_word_for_word(lab: Lab, tmp_path: Path) -> None:
    java = profile_for(read_rules(None))
    got: dict[str, Any] = {}
    for name, make in sorted(lab.scenarios().items()):
        scenario = make()
        store = write_pem(scenario.trust, tmp_path / f"{name}.pem")
        reference = (
            write_pem(scenario.reference, tmp_path / f"{name}-ref.pem")
            if scenario.reference
            else None
        )
        with serving(scenario) as server:
            for label, profile in (("java", java), ("webpki", "webpki")):
                report = sslpoke.probe(
                    scenario.servername,
                    server.port,
                    truststore=store,
                    timeout=5,
                    reference=reference,
                    profile=profile,  # type: ignore[arg-type]
                )
                got[f"{name} [{label}]"] = summary(report)
    check("scenarios", got)


def _stores(lab: Lab, tmp: Path) -> dict[str, tuple[Any, Path, str]]:
    """Situations the lab scenarios do not cover: (server scenario, store file, label)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from sslpoke.lab.pki import issue
    from sslpoke.lab.scenarios import Scenario

    out: dict[str, tuple[Any, Path, str]] = {}
    old = issue("localhost", sans=["localhost"], ca=False)
    new = issue("localhost", sans=["localhost"], ca=False)
    out["renewed-self-signed"] = (
        Scenario("r", "r", [new], [old], None),
        write_pem([old], tmp / "old.pem"),
        "pem",
    )
    old_root = issue("sslpoke Lab Root CA", org="sslpoke lab", ca=True, days=3650)
    trusted = lab.scenarios()["trusted"]()
    out["renewed-root"] = (trusted, write_pem([old_root], tmp / "old-root.pem"), "pem")
    nokeys = tmp / "nokeys.p12"  # openssl -nokeys style: no Java trusted attribute
    nokeys.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, None, None, [lab.root.cert], serialization.BestAvailableEncryption(b"changeit")
        )
    )
    out["empty-openssl-p12"] = (trusted, nokeys, "p12")
    out["empty-root-sent"] = (lab.scenarios()["root-sent-untrusted"](), nokeys, "p12")
    server = issue("app.example", sans=["app.example"], ca=False)
    keystore = tmp / "keystore.p12"
    keystore.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"tomcat",
            server.key,
            server.cert,
            None,
            serialization.BestAvailableEncryption(b"changeit"),  # type: ignore[arg-type]
        )
    )
    out["keystore-as-truststore"] = (trusted, keystore, "p12")
    avast = issue("Avast Web/Mail Shield Root", org="AVAST Software s.r.o.", ca=True, days=3650)
    leaf = issue("localhost", avast, sans=["localhost"])
    out["intercepted-but-trusted"] = (
        Scenario("i", "i", [leaf], [avast], None),
        write_pem([avast], tmp / "avast.pem"),
        "pem",
    )
    return out


def test_cli_commands_word_for_word(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fixes as the command prints them (with the options that found the store): the
    commands of each problem, through ``sslpoke HOST --json``."""
    from sslpoke.cli import main

    got: dict[str, Any] = {}
    cases = {
        name: (lab.scenarios()[name](), None)
        for name in ("self-signed", "missing-intermediate", "unknown-root", "root-sent-untrusted")
    }
    for name, (scenario, _) in sorted(cases.items()):
        store = write_pem(scenario.trust, tmp_path / f"{name}.pem")
        with serving(scenario) as server:
            for extra in ([], ["--storetype", "pem"]):
                capsys.readouterr()
                main(
                    [
                        "localhost",
                        str(server.port),
                        "--truststore",
                        str(store),
                        "--json",
                        "--reference",
                        str(store),
                        *extra,
                    ]
                )
                data = json.loads(capsys.readouterr().out)
                got[f"{name} {' '.join(extra)}".strip()] = [
                    [p["code"], [normal(c) for c in p.get("commands", [])]]
                    for p in data["problems"]
                ]
    check("cli-commands", got)


def test_other_stores_word_for_word(lab: Lab, tmp_path: Path) -> None:
    java = profile_for(read_rules(None))
    got: dict[str, Any] = {}
    for name, (scenario, store, _) in sorted(_stores(lab, tmp_path).items()):
        with serving(scenario) as server:
            report = sslpoke.probe(
                scenario.servername,
                server.port,
                truststore=sslpoke.StoreRequest(path=store, password="changeit"),
                timeout=5,
                reference=False,
                profile=java,
            )
        got[name] = summary(report)
    check("stores", got)


def test_seeded_random_chains(tmp_path: Path) -> None:
    from tests.differential.chains import generate
    from tests.differential.harness import Prepared, _loopback
    from tests.differential.harness import serving as sni_serving

    java = profile_for(read_rules(None))
    cases = generate(20261201, 160)
    prepared = [Prepared(c, tmp_path) for c in cases]
    got: dict[str, Any] = {}
    with sni_serving(prepared) as server:
        for p in prepared:
            key = f"{p.case.ident:03d} {p.case.label}"
            if p.context is None:
                got[key] = {"not served": True}
                continue
            report = sslpoke.probe(
                p.case.host,
                server.port,
                truststore=p.store,
                timeout=10,
                reference=False,
                resolver=_loopback,
                profile=java,
            )
            got[key] = {
                "ok": report.ok,
                "codes": [
                    [e.code.value, e.severity.value, normal(e.message)] for e in report.problems
                ],
                "path": [
                    [s.role.value, bool(s.broken), s.cert.name if s.cert else None]
                    for s in report.path
                ],
            }
    check("differential", got)


@pytest.mark.parametrize(
    "text", ["AB:CD:EF:01:23:45:67:89:AB", "2026-12-01 10:00 UTC", "/tmp/x/y.pem"]
)
def test_normalising_hides_only_what_varies(text: str) -> None:
    assert (
        "<" in normal(f"cert {text} end")
        and normal("PKIX path building failed") == "PKIX path building failed"
    )


def test_limbo_cases_word_for_word() -> None:
    """Every x509-limbo server case, as the webpki profile and as Java 17 and Java 25 see it:
    each problem's code, severity, words and the certificate blamed (the verdicts themselves
    are checked against the suite's expectations and the JVMs in tests/conformance)."""
    from tests.conformance.limbo import run_case, server_cases, skip_reason

    rules17 = read_rules(None)
    rules25 = rules17._replace(version=(25, 0, 3), version_text="25.0.3")
    profiles = {
        "webpki": "webpki",
        "java17": profile_for(rules17),
        "java25": profile_for(rules25),
    }
    got: dict[str, Any] = {}
    for case in server_cases():
        if skip_reason(case) is not None:
            continue
        for label, profile in profiles.items():
            outcome = run_case(case, profile)
            report = outcome.report
            got[f"{case['id']} [{label}]"] = (
                [
                    [p.code.value, p.severity.value, normal(p.message), p.cert_index]
                    for p in report.problems
                ]
                if report is not None
                else outcome.codes
            )
    check("limbo", got)
