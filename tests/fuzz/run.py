"""Run the fuzz targets with Hypothesis: mutations of the seeds, bounded per input.

    .venv/bin/python -m tests.fuzz.run [--examples N] [--target NAME ...]

Each input gets a deadline (Hypothesis fails an input that takes longer); the
test that runs this script caps the process's memory. An input that crashes a
target is saved in ``crashers/`` (replayed by test_fuzz.py from then on) and the
run fails. Prints one line per target: inputs tried, seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import warnings
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import EXPECTED, HERE, TARGETS, seeds

CRASHERS = HERE / "crashers"


@st.composite
def mutated(draw: st.DrawFn, pool: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "dup", "big"]))
        n = len(data)
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and n:
            data[at] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF]))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete" and n:
            del data[at : at + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[at:]
        elif op == "dup" and n:
            size = draw(st.integers(1, 64))
            data[at:at] = data[at : at + size] * draw(st.integers(1, 8))
        elif op == "big" and n > at + 4:
            data[at : at + 4] = b"\x7f\xff\xff\xff"  # lengths, counts, iteration counts
    return bytes(data)


def fuzz(name: str, examples: int) -> int:
    target = TARGETS[name]
    pool = seeds()[name]
    count = 0
    crash: list[bytes] = []

    @settings(
        max_examples=examples,
        deadline=timedelta(seconds=5),
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(mutated(pool))
    def check(data: bytes) -> None:
        nonlocal count
        count += 1
        try:
            target(data)
        except EXPECTED:
            pass
        except BaseException:
            crash[:] = [data]  # Hypothesis replays the shrunk input last
            raise

    try:
        check()
    except BaseException:
        if crash:
            CRASHERS.mkdir(exist_ok=True)
            digest = hashlib.sha256(crash[0]).hexdigest()[:16]
            (CRASHERS / f"{name}-{digest}.bin").write_bytes(crash[0])
        raise
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    total = 0
    for name in args.target or sorted(TARGETS):
        started = time.monotonic()
        n = fuzz(name, args.examples)
        total += n
        print(f"{name}: {n} inputs, {time.monotonic() - started:.1f} s", flush=True)
    print(f"fuzzed {total} inputs, no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
