"""Fuzzing in CI: every reader, mutated real inputs, bounded in time and memory.

The fuzz run is a child process with its address space capped (RLIMIT_AS) and
a deadline per input (Hypothesis); SSLPOKE_FUZZ_EXAMPLES sets the inputs per
target (default 1000; the README's figures are from 5000). Every input that once
crashed a reader is kept in crashers/ and replayed here.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fuzz import run
from tests.fuzz.targets import EXPECTED, TARGETS

CRASHERS = sorted((Path(__file__).parent / "crashers").glob("*.bin"))
MEMORY_CAP = 3 << 30


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.timeout(900)
def test_fuzzers_find_no_crash() -> None:
    examples = os.environ.get("SSLPOKE_FUZZ_EXAMPLES", "1000")
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run", "--examples", examples],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=850,
        preexec_fn=_cap_memory,
    )
    print(done.stdout)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "no crash" in done.stdout
    for name in TARGETS:
        assert f"{name}: {examples} inputs" in done.stdout


@pytest.mark.parametrize("path", CRASHERS, ids=[p.name for p in CRASHERS])
def test_crashers_stay_fixed(path: Path) -> None:
    target = TARGETS[path.name.rsplit("-", 1)[0]]
    with contextlib.suppress(*EXPECTED):
        target(path.read_bytes())


def test_the_fuzzer_reports_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(data: bytes) -> None:
        if len(data) > 3:
            raise ValueError("a crash")

    monkeypatch.setitem(TARGETS, "certificate", broken)
    monkeypatch.setattr(run, "CRASHERS", tmp_path)
    with pytest.raises(ValueError, match="a crash"):
        run.fuzz("certificate", 50)
    (saved,) = tmp_path.iterdir()
    with pytest.raises(ValueError, match="a crash"):  # the kept input reproduces it
        broken(saved.read_bytes())
