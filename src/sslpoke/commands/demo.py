"""``sslpoke demo``: loopback servers with common failures, each diagnosed."""

from __future__ import annotations

import argparse


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the reports as JSON")


def run(args: argparse.Namespace) -> int:
    from sslpoke.demo import run_demo

    return run_demo(json_output=args.json)
