"""``sslpoke java``: every Java on this machine and the truststore each uses."""

from __future__ import annotations

import argparse


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--app-dir",
        metavar="DIR",
        action="append",
        default=[],
        help="also read this application's start scripts (bin/setenv.sh)",
    )
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sslpoke.errors import UsageError
    from sslpoke.java.discovery import find_javas, java_processes, read_app_dir
    from sslpoke.report.java import render_java_report

    for folder in args.app_dir:
        if not Path(folder).exists():
            raise UsageError(f"--app-dir {folder}: no such folder or file")
    apps = [read_app_dir(Path(d)) for d in args.app_dir]
    return render_java_report(find_javas(), java_processes(), apps, json_output=args.json)
