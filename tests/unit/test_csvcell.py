"""CSV cells a spreadsheet never runs as formulas (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
import random
from types import SimpleNamespace

from sslpoke.audit.grade import Finding
from sslpoke.audit.render import to_csv
from sslpoke.report.csvcell import FORMULA_STARTS, cell, row


def test_a_cell_that_starts_a_formula_is_text() -> None:
    for start in FORMULA_STARTS:
        assert cell(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    for plain in (
        "",
        "-",
        "=",
        "localhost:443",
        "Certificate [0] 'x' expired.",
        "'quoted",
        " =x",
        "0.012",
    ):
        assert cell(plain) == plain
    assert row(["=1", "a", "@b"]) == ["'=1", "a", "'@b"]


def test_random_cells_never_start_a_formula_and_keep_their_text() -> None:
    rng = random.Random(20261202)
    alphabet = "=+-@\t\r\n'\"a1 ,;|!"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        safe = cell(text)
        assert len(safe) <= 1 or not safe.startswith(FORMULA_STARTS)
        assert safe == text or (safe == "'" + text and text.startswith(FORMULA_STARTS))


def test_the_audit_csv_guards_a_name_from_the_server() -> None:
    """A revoked certificate's subject (the server's to choose) starts the finding."""
    findings = (
        Finding("cert_revocation", "CRITICAL", '=HYPERLINK("http://x","y") is revoked'),
        Finding("TLS1_3", "OK", "offered"),
    )
    report = SimpleNamespace(
        target="example.test:443",
        findings=findings,
        javas=(),
        grade=SimpleNamespace(grade="-", caps=()),
    )
    rows = list(csv.reader(io.StringIO(to_csv(report))))  # type: ignore[arg-type]
    cells = [c for r in rows[1:] for c in r]
    assert '\'=HYPERLINK("http://x","y") is revoked' in cells
    assert "offered" in cells and "-" in cells  # the grade "-" (none): no formula, as it is
    assert not any(len(c) > 1 and c.startswith(FORMULA_STARTS) for c in cells)
