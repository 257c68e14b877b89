"""One named scenario per disagreement found by the differential test, judged by the JVM.

Each row was a case where sslpoke and Java 17 differed. Here each is served over
loopback TLS; the JVM's verdict must be the one written in the row (so a row
cannot silently stop testing what it names), sslpoke must agree, and its main
problem code must be the one that explains Java's failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

import sslpoke
from tests.differential import chains, harness


class Row(NamedTuple):
    name: str
    mutations: list[str]
    keys: dict[str, str]
    java_trusts: bool
    code: str | None  # sslpoke's main problem code (None: trusted)
    java_says: str = ""  # part of the JVM's message, when it fails
    jvm_args: tuple[str, ...] = ()


ROWS = [
    Row(
        "md5-signed-pinned-leaf",
        ["anchor-is-leaf", "sig-md5-L"],
        {},
        False,
        "weak-signature",
        "handshake_failure",
    ),
    Row(
        "empty-issuer-self-signed",
        ["self-signed-leaf-trusted", "san-critical-empty-subject"],
        {},
        False,
        "invalid-certificate",
        "Empty issuer DN not allowed",
    ),
    Row(
        "non-ca-anchor",
        ["basic-constraints-false-R"],
        {},
        False,
        "not-a-ca",
        "is not a CA certificate",
    ),
    Row(
        "non-ca-anchor-allowed",
        ["basic-constraints-false-R"],
        {},
        True,
        None,
        jvm_args=("-Djdk.security.allowNonCaAnchor=true",),
    ),
    Row(
        "anchor-without-keycertsign",
        ["ku-no-keycertsign-R"],
        {},
        False,
        "bad-key-usage",
        "does not have keyCertSign bit set",
    ),
    Row("self-signed-leaf-trusted", ["self-signed-leaf-trusted"], {}, True, None),
    Row(
        "aki-differs-from-anchor-ski",
        ["aki-wrong-I1"],
        {},
        False,
        "unknown-ca",
        "Path does not chain with any of the trust anchors",
    ),
    Row("aki-wrong-out-of-order", ["aki-wrong-I1", "extra-unrelated-cert"], {}, True, None),
    Row("ecdsa-with-sha1-leaf", ["sig-sha1-L"], {"I1": "p256"}, True, None),
    Row("unparseable-noncritical-eku", ["garbage-eku-I1"], {}, True, None),
    Row(
        "leaf-keyusage-without-digitalsignature",
        ["ku-no-digital-signature-L"],
        {},
        False,
        "bad-key-usage",
        "KeyUsage does not allow digital signatures",
    ),
    Row(
        "critical-san-without-names",
        ["san-critical-no-names"],
        {},
        False,
        "invalid-certificate",
        "No data available in passed DER encoded value",
    ),
    Row(
        "ca-key-on-secp256k1", ["key-secp256k1-I1"], {}, False, "weak-key", "signature check failed"
    ),
    Row(
        "ca-key-on-brainpool",
        ["key-brainpool256-R"],
        {},
        False,
        "weak-key",
        "signature check failed",
    ),
    Row(
        "name-constraints-on-cn",
        ["nc-dns-cn-only-leaf"],
        {},
        False,
        "name-constraints",
        "name constraints check failed",
    ),
    Row(
        "policy-required-leaf-without",
        ["policy-required-leaf-without"],
        {},
        False,
        "policy-constraints",
        "non-null policy tree required",
    ),
    Row("policy-required-leaf-with", ["policy-required-leaf-with"], {}, True, None),
    Row(
        "not-yet-valid-anchor-out-of-order",
        ["not-yet-valid-R", "extra-unrelated-cert"],
        {},
        False,
        "unknown-ca",
        "unable to find valid certification path",
    ),
    Row("not-yet-valid-anchor-in-order", ["not-yet-valid-R"], {}, True, None),
    Row("expired-anchor-in-order", ["expired-R"], {}, True, None),
]


def _run(rows: list[Row], java: str, classes: Path, tmp: Path) -> list[harness.Outcome]:
    out = []
    for n, row in enumerate(rows):
        case = chains.named_case(100 + n, row.mutations, **row.keys)
        folder = tmp / row.name
        folder.mkdir()
        out += harness.run([case], java, classes, folder, row.jvm_args)
    return out


def _check(row: Row, outcome: harness.Outcome) -> None:
    assert outcome.java_ok is not None, f"{row.name}: not servable: {outcome.java_text}"
    assert outcome.java_ok == row.java_trusts, f"{row.name}: the JVM said {outcome.java_text}"
    if not row.java_trusts:
        assert row.java_says in outcome.java_text, outcome.java_text
    assert outcome.sslpoke_ok == row.java_trusts, (
        f"{row.name}: sslpoke said {outcome.sslpoke_codes}"
    )
    if row.code is not None:
        assert row.code in outcome.sslpoke_codes, outcome.sslpoke_codes


@pytest.mark.jvm
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_java17(row: Row, java: str, judge_classes: Path, tmp_path: Path) -> None:
    _check(row, _run([row], java, judge_classes, tmp_path)[0])


JAVA25_ROWS = [
    Row(
        "sha1-with-dsa-leaf",
        ["key-dsa2048-I1", "sig-sha1-L"],
        {},
        False,
        "weak-signature",
        "Algorithm constraints check failed",
    ),
    Row(
        "dsa-signed-chain",
        ["key-dsa2048-R"],
        {},
        False,
        "weak-signature",
        "Algorithm constraints check failed",
    ),
    Row(
        "sha224-signed-intermediate",
        ["sig-sha224-I1"],
        {},
        False,
        "weak-signature",
        "Algorithm constraints check failed",
    ),
    Row(
        "aki-differs-from-anchor-ski",
        ["aki-wrong-I1"],
        {},
        False,
        "unknown-ca",
        "Path does not chain with any of the trust anchors",
    ),
]


@pytest.mark.jvm
@pytest.mark.parametrize("row", JAVA25_ROWS, ids=[r.name for r in JAVA25_ROWS])
def test_row_java25(row: Row, java25: str, judge_classes: Path, tmp_path: Path) -> None:
    _check(row, _run([row], java25, judge_classes, tmp_path)[0])


@pytest.mark.jvm
def test_dsa_signed_chain_is_fine_for_java17(
    java: str, judge_classes: Path, tmp_path: Path
) -> None:
    row = Row("dsa-signed-chain-17", ["key-dsa2048-R"], {}, True, None)
    _check(row, _run([row], java, judge_classes, tmp_path)[0])


def test_report_names_the_java_whose_rules_were_used(tmp_path: Path) -> None:
    case = chains.named_case(1, [])
    built = chains.build(case)
    from sslpoke.pki.certs import Cert

    leaf = Cert(built.ders["L"])
    report = sslpoke.verify([leaf], truststore=_pem(tmp_path, built.ders["R"]), reference=False)
    assert report.java_rules is not None and report.java_rules.startswith("Java ")


def _pem(tmp: Path, der: bytes) -> Path:
    from sslpoke.pki.certs import der_to_pem

    path = tmp / "root.pem"
    path.write_text(der_to_pem(der))
    return path
