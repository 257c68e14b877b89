"""Mutation testing of the validator and the diagnosis (mutmut), with the scores.

    .venv/bin/python bench/mutation.py                 # every 3rd mutant of the three modules
    .venv/bin/python bench/mutation.py --every 1 src/sslpoke/pki/hostname.py
    .venv/bin/python bench/mutation.py --survivors     # also print each surviving mutant's diff

It works on a copy of the checkout (tracked and new files) in a temporary
folder, so the tree is never touched, and runs mutmut from a throw-away venv
that sees the project venv's packages but *not* its editable install: the
editable ``.pth`` puts ``src/`` on ``sys.path`` and the tests would then import
the unmutated code, so every mutant would "survive" (measured with mutmut
3.8.1). The tests chosen are the in-process ones that exercise these modules:
unit, x509-limbo, the loopback scenarios (tests that start ``python -m
sslpoke`` with a scrubbed environment never see a mutant and are left out).

Equivalent mutants, checked by hand, are listed in ``EQUIVALENT`` below and
counted as neither killed nor survived. Exit 0 when each module reaches
``--target`` percent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "src/sslpoke/pki/checks.py",
    "src/sslpoke/pki/hostname.py",
    "src/sslpoke/diagnose/rules.py",
]
TESTS = [
    "tests/unit",
    "tests/conformance/test_limbo.py",
    "tests/integration/test_scenarios.py",
    "tests/integration/test_golden.py",
    "tests/integration/test_starttls_dialects.py",
]

# Mutants that cannot change behaviour, each with the reason (by mutant name).
_NO_X = 'rstrip("XX.XX") after lower(): no X is left to strip'
_LEN = "zip(strict=...): the lengths are compared just above"
_STAR_FIRST = "after = template[star:] starts with '*', so dot is never 0"
EQUIVALENT: dict[str, str] = {
    "sslpoke.pki.hostname.x_parse_ip__mutmut_3": 'strip("XX[]XX"): no IP address has an X',
    "sslpoke.pki.hostname.x_is_valid_dns_name__mutmut_6": _NO_X,
    "sslpoke.pki.hostname.x_webpki_dns_match__mutmut_5": _NO_X,
    "sslpoke.pki.hostname.x_webpki_dns_match__mutmut_10": _NO_X,
    "sslpoke.pki.hostname.x__java_illegal_wildcard__mutmut_2": '"*" is illegal anyway: no dot after the star',
    "sslpoke.pki.hostname.x__java_illegal_wildcard__mutmut_3": '"*." fails SNIHostName anyway (empty label)',
    "sslpoke.pki.hostname.x__java_illegal_wildcard__mutmut_17": _STAR_FIRST,
    "sslpoke.pki.hostname.x__java_illegal_wildcard__mutmut_18": _STAR_FIRST,
    "sslpoke.pki.hostname.x__java_illegal_wildcard__mutmut_26": "include_private=None is falsy, as False",
    "sslpoke.pki.hostname.x__java_sni_name_ok__mutmut_21": "a U-label toASCII refuses was refused before",
    "sslpoke.pki.hostname.x_java_dns_match__mutmut_30": 'replace("*", "Z"): Z is as valid as z',
    "sslpoke.pki.hostname.x_java_dns_match__mutmut_52": _LEN,
    "sslpoke.pki.hostname.x_java_dns_match__mutmut_55": _LEN,
    "sslpoke.pki.hostname.x_java_dns_match__mutmut_56": _LEN,
    "sslpoke.diagnose.rules.x__empty_store__mutmut_33": 'how="FILE": any value but sent/fetch is the file branch',
    "sslpoke.diagnose.rules.x__renewed__mutmut_27": 'how="FILE": any value but sent/fetch is the file branch',
}


def _venv_without_editable(work: Path) -> Path:
    """A venv whose site-packages points at the project venv's, minus its .pth files."""
    venv = work / "venv"
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "project-venv.pth").write_text(f"{ours}\n")  # a path line: its .pth are not read
    return venv / "bin" / "python"


def _copy_checkout(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = Path(os.fsdecode(raw))
        src = ROOT / rel
        if not src.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def _configure(project: Path, modules: list[str], every: int) -> None:
    conf = {
        "source_paths": ["src"],
        "debug": True,  # the test output goes to the log
        "also_copy": ["README.md", "docs/", "bench/"],
        "only_mutate": modules,
        "pytest_add_cli_args_test_selection": TESTS,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q", "-x"],
    }
    lines = ["", "[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in conf.items()]
    with (project / "pyproject.toml").open("a") as fh:
        fh.write("\n".join(lines) + "\n")


def _module_name(path: str) -> str:
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=MODULES)
    ap.add_argument("--every", type=int, default=3, help="test every Nth mutant (default 3)")
    ap.add_argument("--target", type=float, default=85.0)
    ap.add_argument("--survivors", action="store_true", help="print the surviving mutants")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="sslpoke-mutation-"))
    try:
        if work.exists():
            shutil.rmtree(work)
        project = work / "project"
        project.mkdir(parents=True)
        _copy_checkout(project)
        _configure(project, args.modules, args.every)
        python = _venv_without_editable(work)
        # mutmut copies the sources here; the folder must exist before Python starts, or
        # the import system caches "nothing there" for it and the tests import nothing
        (project / "mutants" / "src").mkdir(parents=True)
        env = dict(os.environ, PYTHONPATH=str(project / "mutants" / "src"))
        patterns = [f"*__mutmut_{k}" for k in range(args.every, 3000, args.every)]
        with (work / "mutmut.log").open("wb") as log:
            run = subprocess.run(
                [str(python), "-m", "mutmut", "run", "--max-children", "2", *patterns],
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if run.returncode != 0:
            print(f"mutmut failed (exit {run.returncode}); see {work / 'mutmut.log'}")
            args.keep = work
            return 2
        out = subprocess.run(
            [str(python), "-m", "mutmut", "results", "--all", "true"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        status = dict(re.findall(r"^\s*(\S+): (.+)$", out, re.M))
        ok = True
        print(f"{'module':34} {'tested':>6} {'killed':>6} {'equiv':>5} {'surv':>5} {'score':>7}")
        for module in args.modules:
            prefix = _module_name(module) + "."
            mine = {k: v for k, v in status.items() if k.startswith(prefix) and v != "not checked"}
            equivalent = [k for k in mine if k in EQUIVALENT]
            killed = sum(1 for k, v in mine.items() if v in ("killed", "timeout"))
            # "no tests": no selected test runs that code at all, which is a survivor too
            survived = [
                k for k, v in mine.items() if v in ("survived", "no tests") and k not in EQUIVALENT
            ]
            judged = killed + len(survived)
            score = 100.0 * killed / judged if judged else 100.0
            ok &= score >= args.target
            print(
                f"{module:34} {len(mine):6} {killed:6} {len(equivalent):5} "
                f"{len(survived):5} {score:6.1f}%"
            )
            if args.survivors:
                for name in survived:
                    diff = subprocess.run(
                        [str(python), "-m", "mutmut", "show", name],
                        cwd=project,
                        env=env,
                        capture_output=True,
                        text=True,
                    ).stdout
                    changed = [ln for ln in diff.splitlines() if re.match(r"^[-+][^-+]", ln)]
                    print(f"  {name}\n    " + "\n    ".join(changed))
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
