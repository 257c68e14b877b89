"""x509-limbo through the real JVM: sslpoke's java profile must give Java's verdict.

limbo's expected results are the RFC's; Java departs from them in many places
(known_differences.toml says where and why). Here the judge is Java itself: one
JVM checks every testcase with its default PKIX trust manager and its TLS host
name checker, and sslpoke (with that JVM's rules) must agree on each. Cases
with a fixed validation time or a chain-depth limit are left out: Java's trust
manager always validates "now" and has no such limit.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sslpoke.java.rules import profile_for, read_rules
from sslpoke.java.truststore import java_home_of
from tests.conformance import limbo

HERE = Path(__file__).resolve().parent
JUDGE = HERE / "LimboJudge.java"
EXPORTS = ("--add-exports", "java.base/sun.security.util=ALL-UNNAMED")


def judged_cases() -> list[dict[str, object]]:
    return [
        c
        for c in limbo.server_cases()
        if not c["validation_time"]
        and c["max_chain_depth"] is None
        and not limbo.skip_reason(c, "java")
    ]


def java_verdicts(java: str, tmp: Path) -> dict[str, str]:
    javac = shutil.which("javac")
    if javac is None:
        pytest.fail("javac is needed to compile the limbo judge (./bootstrap installs a JDK)")
    subprocess.run(
        [javac, *EXPORTS, "-d", str(tmp), str(JUDGE)], check=True, capture_output=True, timeout=120
    )
    lines, ids = [], {}
    for n, case in enumerate(judged_cases()):
        folder = tmp / str(n)
        folder.mkdir()
        (folder / "trusted.pem").write_text("".join(case["trusted_certs"]))  # type: ignore[arg-type]
        (folder / "leaf.pem").write_text(str(case["peer_certificate"]))
        (folder / "intermediates.pem").write_text("".join(case["untrusted_intermediates"]))  # type: ignore[arg-type]
        peer = case["expected_peer_name"]
        host = f" {peer['value']}" if peer else ""  # type: ignore[index]
        lines.append(f"{n} {folder}{host}")
        ids[str(n)] = str(case["id"])
    done = subprocess.run(
        [java, *EXPORTS, "-cp", str(tmp), "LimboJudge"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = {}
    for line in done.stdout.splitlines():
        _, n, verdict = line.split(" ", 2)
        out[ids[n]] = verdict
    assert len(out) == len(lines), done.stderr[-2000:]
    return out


@pytest.mark.jvm
@pytest.mark.parametrize("which", ["java17", "java25"])
def test_java_profile_gives_the_jvms_verdict(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    java = request.getfixturevalue("java" if which == "java17" else "java25")
    verdicts = java_verdicts(java, tmp_path)
    # The judge calls checkServerTrusted without a handshake, so the signature
    # schemes a TLS client offers (Java 25: no DSA, no SHA-224) do not apply here;
    # tests/differential/test_rows.py judges those through real handshakes.
    profile = profile_for(read_rules(java_home_of(Path(java))))._replace(
        tls_refused_signatures=frozenset()
    )
    cases = {str(c["id"]): c for c in judged_cases()}
    wrong = []
    for case_id, verdict in verdicts.items():
        outcome = limbo.run_case(cases[case_id], profile)  # type: ignore[arg-type]
        if (outcome.verdict == "SUCCESS") != verdict.startswith("OK"):
            wrong.append(
                f"{case_id}: Java {verdict[:150]} / sslpoke {outcome.verdict} {outcome.codes}"
            )
    assert len(verdicts) >= 150
    assert not wrong, f"{len(wrong)} of {len(verdicts)} differ:\n" + "\n".join(wrong)
