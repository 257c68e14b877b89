"""The scan's HTML report, opened in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, skip_or_fail_in_ci, write_pem
from tests.integration.test_scan import NAMES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        skip_or_fail_in_ci("no chromium (apt-get install chromium; ./bootstrap installs it)")
    return found  # type: ignore[return-value]


def browse(html: Path, fragment: str, *extra: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless=new",
        "--disable-gpu",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
    ]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")  # chromium refuses to run its sandbox as root
    return subprocess.run(
        [chromium(), *flags, *extra, f"file://{html}#{fragment}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(html.parent)},
    )


@pytest.fixture(scope="module")
def report(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from contextlib import ExitStack

    d = tmp_path_factory.mktemp("html")
    root = write_pem([lab.root], d / "root.pem")
    with ExitStack() as stack:
        ports = {n: stack.enter_context(serving(lab.scenarios()[n]())).port for n in NAMES}
        (d / "t.txt").write_text("\n".join(f"localhost:{p}" for p in ports.values()) + "\n")
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(d / "t.txt"), "--truststore", str(root), "--html", str(d / "report.html"), "-q"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    return d / "report.html"


def test_opens_without_console_errors_and_filters(report: Path) -> None:
    page = report.read_text()
    assert "<script src" not in page and "<link" not in page, "self-contained: no external assets"
    done = browse(report, "status=failing", "--dump-dom")
    dom = done.stdout
    rows = re.findall(r'<tr data-status="(\w+)"( class="hidden")?>', dom)
    assert len(rows) == len(NAMES), dom[:2000]
    assert all((hidden != "") == (status == "trusted") for status, hidden in rows), rows
    failing = sum(1 for status, _ in rows if status == "failing")
    assert f"{failing} of {len(NAMES)} shown" in dom
    errors = [ln for ln in done.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not errors, errors
    text = browse(report, "filter=expired", "--dump-dom").stdout
    assert "1 of 6 shown" in text


def test_screenshot_for_the_docs(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "scan-report.png"
    browse(report, "", f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("UPDATE_DOCS"):
        shutil.copy(shot, DOCS / "scan-report.png")
    assert (DOCS / "scan-report.png").is_file(), "the README shows docs/scan-report.png"
