"""``sslpoke explain LOGFILE...``: parser and handler."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timedelta


def add_options(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.common import seconds, store_options

    p.add_argument(
        "logfiles",
        nargs="*",
        metavar="LOGFILE",
        help="atlassian-jira.log, catalina.out, ... ('-' or none: standard input)",
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only failures from then on: 2026-11-30, '2026-11-30 14:00', or 2h, 3d",
    )
    p.add_argument("--no-probe", action="store_true", help="do not probe the endpoints found")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS")
    p.add_argument("--json", action="store_true", help="print the groups as JSON")
    store_options(p)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    from sslpoke.errors import UsageError

    now = now or datetime.now()
    m = re.fullmatch(r"\s*(\d{1,6})\s*([mhd])\s*", text)
    if m:
        amount, unit = int(m.group(1)), m.group(2)
        return now - timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise UsageError(f"--since {text!r}: give a date (2026-11-30, '2026-11-30 14:00') or 2h, 3d")


def run(args: argparse.Namespace) -> int:
    from sslpoke.commands.common import store_request
    from sslpoke.errors import UsageError
    from sslpoke.logs.explain import explain, to_dict, to_lines
    from sslpoke.userfiles import check_readable

    paths = list(args.logfiles) or ["-"]
    for p in paths:
        if p != "-":
            check_readable(p, "log file")  # a pipe too: <(zcat catalina.out.1.gz)
    if paths == ["-"] and sys.stdin.isatty():
        raise UsageError("give log files, or pipe a log into sslpoke explain")
    since = parse_since(args.since) if args.since else None
    result = explain(
        paths,
        since=since,
        probe=not args.no_probe,
        truststore=store_request(args),
        timeout=args.timeout,
    )
    if args.json:
        sys.stdout.write(json.dumps(to_dict(result), indent=2, default=str) + "\n")
    else:
        from sslpoke.report import console

        console.write(to_lines(result))
    failing = [
        g
        for g in result.groups
        if g.diagnosis is None or getattr(g.diagnosis, "ok", False) is False
    ]
    return 1 if failing else 0
