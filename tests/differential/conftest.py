"""The JVM judge for the differential tests, compiled once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.differential import harness


@pytest.fixture(scope="session")
def judge_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    javac = shutil.which("javac")
    if javac is None:
        pytest.fail("javac is needed to compile the JVM judge (./bootstrap installs a JDK)")
    return harness.compile_judge(javac, tmp_path_factory.mktemp("diff-judge"))
