"""``sslpoke scan --ray``: the same results from Ray actors on a local 2-CPU Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from tests.conftest import serving, skip_or_fail_in_ci, write_p12
from tests.integration.test_scan import NAMES


def test_ray_backend_equals_the_local_one(lab: Lab, tmp_path: Path) -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        skip_or_fail_in_ci("Ray is not installed (pip install 'sslpoke[ray]'; ./bootstrap does)")
    # a PKCS#12 store: a worker's reports must name it (path, type, keytool), as the
    # driver's would, not a copy of its certificates
    root = write_p12([lab.root], tmp_path / "trust.p12")
    with ExitStack() as stack:
        ports = {n: stack.enter_context(serving(lab.scenarios()[n]())).port for n in NAMES}
        specs = [
            f"localhost:{p}" for p in ports.values()
        ] * 50  # 300 endpoints, 2 batches per actor
        (tmp_path / "t.txt").write_text("\n".join(specs) + "\n")
        runs = {}
        # Ray's session files (logs, sockets) in a folder of the test's, removed after; a
        # short path: Ray's socket paths must fit in 107 bytes
        ray_tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="sslpoke-ray-"))
        env = {**os.environ, "RAY_TMPDIR": ray_tmp}
        for name, extra in (("local", []), ("ray", ["--ray", "local", "--ray-actors", "2"])):
            out = tmp_path / f"{name}.jsonl"
            done = subprocess.run(
                [sys.executable, "-m", "sslpoke", "scan", str(tmp_path / "t.txt"), "--truststore", str(root),
                 "--jsonl", str(out), "-q", *extra],
                capture_output=True, text=True, timeout=600, env=env,
            )  # fmt: skip
            assert done.returncode == 1, done.stderr[-2000:]
            runs[name] = sorted(
                json.dumps(
                    {k: v for k, v in r.items() if k not in ("at", "seconds")}, sort_keys=True
                )
                for r in map(json.loads, out.read_text().splitlines())
            )
    assert len(runs["ray"]) == len(specs)
    assert runs["ray"] == runs["local"]  # every field: truststore, problems, fixes, commands
    assert str(root) in "".join(runs["ray"])


def test_no_ray_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from sslpoke.errors import UsageError
    from sslpoke.scan.ray_backend import RayBackend

    real = builtins.__import__

    def no_ray(name: str, *a: object, **k: object) -> object:
        if name == "ray":
            raise ImportError("no ray")
        return real(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ray)
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda n: no_ray(n))
    with pytest.raises(UsageError, match="pip install 'sslpoke\\[ray\\]'"):
        RayBackend(None)
