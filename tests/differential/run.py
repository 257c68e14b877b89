"""Measure sslpoke's agreement with a real JVM on seeded random chains.

    .venv/bin/python -m tests.differential.run --seed 1 --seed 2 --seed 3 --count 2000 \
        [--java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java] [--out reports/differential.md]

Prints one line per seed (agreement, disagreements by kind) and writes a
Markdown report with every disagreement (mutations, Java's message, sslpoke's
codes) and the agreement by mutation kind.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

from tests.differential import chains, harness


def report(summaries: list[harness.Summary], java: str) -> str:
    lines = [
        "# Differential test: sslpoke's java profile against a real JVM",
        "",
        f"Judge: `{java}`. Each case is a random chain served over loopback TLS; the JVM's default",
        "PKIX trust manager with HTTPS endpoint identification and `sslpoke.probe` see the same server",
        "and the same PKCS#12 truststore.",
        "",
        "| seed | cases | served | agree | agreement | Java fails, sslpoke trusts | Java trusts, sslpoke fails | seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {s.seed} | {s.total} | {s.served} | {s.agreed} | {s.agreement:.2%} | "
            f"{s.by_kind['java-fails-sslpoke-trusts']} | {s.by_kind['java-trusts-sslpoke-fails']} | {s.seconds:.0f} |"
        )
    seen: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for s in summaries:
        for o in s.outcomes:
            if o.java_ok is None:
                continue
            for m in o.case.mutations:
                seen[m] += 1
                if not o.agree:
                    wrong[m] += 1
    lines += [
        "",
        "## Mutation kinds involved in a disagreement",
        "",
        "| mutation | cases | disagreements |",
        "|---|---:|---:|",
    ]
    for m, n in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {m} | {seen[m]} | {n} |")
    lines += [
        "",
        "## Disagreements",
        "",
        "| seed | case | mutations | Java | sslpoke |",
        "|---:|---:|---|---|---|",
    ]
    for s in summaries:
        for o in s.disagreements:
            java_text = o.java_text.replace("|", "/")[:300]
            lines.append(
                f"| {s.seed} | {o.case.ident} | {o.case.label} | {java_text} | "
                f"{'trusted' if o.sslpoke_ok else ', '.join(o.sslpoke_codes)} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--java", default=shutil.which("java") or "java")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    javac = shutil.which("javac")
    if javac is None:
        print("javac is needed to compile the judge", file=sys.stderr)
        return 2
    summaries = []
    with tempfile.TemporaryDirectory(prefix="sslpoke-diff-") as tmp:
        classes = harness.compile_judge(javac, Path(tmp))
        for seed in args.seed:
            folder = Path(tmp) / f"seed-{seed}"
            folder.mkdir()
            s = harness.timed_run(
                seed, chains.generate(seed, args.count), args.java, classes, folder
            )
            summaries.append(s)
            print(
                f"seed {seed}: {s.agreed}/{s.served} agree ({s.agreement:.2%}), "
                f"{dict(s.by_kind)}, {s.total - s.served} not servable, {s.seconds:.0f} s",
                flush=True,
            )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(summaries, args.java))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
