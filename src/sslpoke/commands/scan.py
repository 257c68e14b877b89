"""``sslpoke scan``: parser and handler."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

AUTO_WORKERS_FROM = 500  # below this, starting worker processes costs more than it gives


def add_options(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.common import count, per_second, seconds, store_options

    p.add_argument(
        "targets",
        nargs="*",
        metavar="FILE",
        help="files of targets (host, host:port, URLs, nmap -oG output; '-' or none: stdin)",
    )
    p.add_argument(
        "--hosts-from", metavar="FILE", action="append", default=[], help="every URL found in FILE"
    )
    p.add_argument(
        "--from-app-dir",
        metavar="DIR",
        help="the endpoints an application's configuration names (dbconfig.xml, confluence.cfg.xml)",
    )
    p.add_argument(
        "--from-java",
        metavar="PID",
        type=int,
        help="the endpoints a running JVM names (its -D URLs, its application folders) or is "
        "connected to",
    )
    p.add_argument(
        "--concurrency",
        type=count(1, 4096),
        default=64,
        metavar="N",
        help="endpoints in flight (default 64)",
    )
    p.add_argument(
        "--workers",
        type=count(1, 64),
        metavar="N",
        help="worker processes, targets dealt out by host (default: one per core from "
        f"{AUTO_WORKERS_FROM} targets on, as many as the hosts fill, else 1)",
    )
    p.add_argument(
        "--per-host",
        type=count(1, 4096),
        default=5,
        metavar="N",
        help="connections at once per host (default 5)",
    )
    p.add_argument(
        "--rate", type=per_second, metavar="N", help="at most N new connections per second"
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="per endpoint step (default 10)",
    )
    p.add_argument("--profile", choices=("java", "webpki"), default="java")
    p.add_argument("--jsonl", metavar="FILE", help="one JSON report per line ('-': stdout)")
    p.add_argument("--csv", metavar="FILE", help="one CSV row per endpoint")
    p.add_argument(
        "--html",
        metavar="FILE",
        help="one self-contained HTML page: filterable table, each chain drawn, fixes",
    )
    p.add_argument(
        "--from-jsonl",
        metavar="FILE",
        help="no scan: write --html/--csv and the summary from an earlier scan's --jsonl",
    )
    p.add_argument(
        "--resume",
        metavar="FILE",
        help="continue an interrupted scan: skip what FILE (its --jsonl) holds, append to it",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--json",
        action="store_true",
        help="the summary as one JSON object on stdout (kind: scan)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on Ray: auto (RAY_ADDRESS or a local Ray), local, or ray://head:10001 "
        "(pip install 'sslpoke[ray]')",
    )
    p.add_argument(
        "--ray-actors", type=count(1, 4096), metavar="N", help="Ray actors (default: the CPUs)"
    )
    store_options(p)


def _specs(args: argparse.Namespace) -> Iterator[str]:
    from sslpoke.errors import UsageError
    from sslpoke.scan.targets import MAX_LINE, MAX_TARGET_CHARS, from_app_dir, from_lines, urls_in
    from sslpoke.userfiles import lines, open_text, read_text

    for name in args.hosts_from:
        yield from urls_in(read_text(name, "file (--hosts-from)", 64 << 20))
    if args.from_app_dir:
        folder = Path(args.from_app_dir)
        if not folder.is_dir():
            raise UsageError(f"--from-app-dir {folder}: no such folder")
        yield from from_app_dir(folder)
    if args.from_java is not None:
        from sslpoke.scan.targets import from_java_process

        yield from from_java_process(args.from_java)
    files = list(args.targets)
    if not files and (args.hosts_from or args.from_app_dir or args.from_java is not None):
        return
    for name in files or ["-"]:
        if name == "-":
            if sys.stdin.isatty():
                raise UsageError("give a file of targets, or pipe targets into sslpoke scan")
            read = lines(sys.stdin, width=MAX_LINE, limit=MAX_TARGET_CHARS)
            yield from from_lines(read, "standard input")
            continue
        with open_text(name, "file of targets") as fh:  # a pipe too: <(nmap ... -oG -)
            yield from from_lines(lines(fh, width=MAX_LINE, limit=MAX_TARGET_CHARS), name)


def _no_input_overwritten(args: argparse.Namespace) -> None:
    """Refuse an output that is also an input or another output (``sslpoke scan
    hosts.txt --jsonl hosts.txt`` would empty the list it reads)."""
    from sslpoke.errors import UsageError

    inputs = [("a file of targets", f) for f in args.targets if f != "-"]
    inputs += [("--hosts-from", f) for f in args.hosts_from]
    if args.from_jsonl:
        inputs.append(("--from-jsonl", args.from_jsonl))
    # --resume FILE writes FILE: a --jsonl beside it is not written, so not checked
    outputs = [
        (option, f)
        for option, f in (
            ("--resume", args.resume),
            ("--jsonl", None if args.resume else args.jsonl),
            ("--csv", args.csv),
            ("--html", args.html),
        )
        if f and f != "-"
    ]
    for i, (option, out) in enumerate(outputs):
        for what, other in inputs + outputs[:i]:
            try:
                same = Path(out).samefile(other)
            except OSError:  # one does not exist yet: the same only by its path
                same = Path(out).resolve() == Path(other).resolve()
            if same:
                raise UsageError(f"{option} {out} is also {what} ({other}): give another file")


def _take_resumed(
    args: argparse.Namespace, summary: Any, csv_fh: Any, html_records: list[dict[str, object]]
) -> None:
    """The records an interrupted run wrote, into this run's summary, CSV and HTML."""
    import csv as csvmod

    from sslpoke.scan.output import csv_row_of, read_records

    writer = csvmod.writer(csv_fh, lineterminator="\n") if csv_fh is not None else None
    for data in read_records(Path(args.resume)):
        summary.add_record(data)
        if writer is not None:
            writer.writerow(csv_row_of(data))
        if args.html:
            _keep_record(html_records, data)


def _store_of_the_source(args: argparse.Namespace) -> None:
    """The endpoints of a JVM (``--from-java PID``) or an application folder
    (``--from-app-dir DIR``, when it is the installation folder ``--app-dir`` reads) are
    judged with that JVM's or that application's truststore, as ``--java PID`` /
    ``--app-dir DIR`` choose it, unless a store is named: the java on PATH may trust
    other roots than the application does. When that choice cannot be read, the java
    on PATH's store is used and stderr says so."""
    from sslpoke.commands.common import store_request
    from sslpoke.errors import SslpokeError

    if args.truststore or args.system or args.mozilla or args.java or args.app_dir:
        return
    if args.from_java is not None:
        args.java, why = str(args.from_java), f"JVM {args.from_java}"
    elif args.from_app_dir:
        args.app_dir, why = args.from_app_dir, args.from_app_dir
    else:
        return
    try:
        store_request(args)
    except SslpokeError as exc:
        args.java = args.app_dir = None
        if args.from_java is not None:  # an installation folder is not every folder: quiet
            sys.stderr.write(
                f"sslpoke: note: the truststore of {why} cannot be read ({exc}); using the java "
                "on PATH's (give --java PID as its user or root, or --truststore)\n"
            )


def _nothing_to_scan(args: argparse.Namespace) -> str:
    """Why a scan has no target, per source: a wrong folder must not pass for a clean fleet."""
    said = []
    if args.targets or not (args.hosts_from or args.from_app_dir or args.from_java is not None):
        files = [("standard input" if f == "-" else f) for f in args.targets or ["-"]]
        said.append(f"{', '.join(files)}: no target in it")
    said += [f"--hosts-from {f}: no URL in it" for f in args.hosts_from]
    if args.from_app_dir:
        said.append(
            f"--from-app-dir {args.from_app_dir}: its configuration names no endpoint "
            "(dbconfig.xml, confluence.cfg.xml, *.properties, *.xml; and under config/)"
        )
    if args.from_java is not None:
        said.append(
            f"--from-java {args.from_java}: the JVM names no endpoint and is connected to no "
            "service port"
        )
    return "nothing to scan: " + "; ".join(said)


def _from_jsonl(args: argparse.Namespace) -> int:
    """Outputs from an earlier scan's records, without scanning again."""
    import csv as csvmod

    from sslpoke.errors import UsageError
    from sslpoke.scan.output import CSV_COLUMNS, Summary, csv_row_of, read_records

    clash = [
        name
        for name, given in (
            ("FILE", args.targets), ("--hosts-from", args.hosts_from),
            ("--from-app-dir", args.from_app_dir), ("--from-java", args.from_java is not None),
            ("--jsonl", args.jsonl), ("--resume", args.resume), ("--ray", args.ray),
        )
        if given
    ]  # fmt: skip
    if clash:
        raise UsageError(f"--from-jsonl reads an earlier scan: it takes no {', '.join(clash)}")
    _no_input_overwritten(args)
    from sslpoke.userfiles import check_readable, open_output

    path = Path(args.from_jsonl)
    check_readable(args.from_jsonl, "file of scan records (--from-jsonl)")
    summary = Summary()
    html_records: list[dict[str, object]] = []
    with contextlib.ExitStack() as stack:
        writer = None
        if args.csv:
            fh = stack.enter_context(open_output(args.csv, "--csv"))
            writer = csvmod.writer(fh, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
        for data in read_records(path):
            summary.add_record(data)
            if writer is not None:
                writer.writerow(csv_row_of(data))
            if args.html:
                _keep_record(html_records, data)
    if summary.total == 0:
        raise UsageError(f"--from-jsonl {path}: no scan records in it")
    if args.html:
        from sslpoke.scan.html import render

        with open_output(args.html, "--html") as out:
            out.write(render(html_records))
    return _finish(args, summary, 0, sys.stdout)


def _keep(records: list[dict[str, object]], result: object, wanted: str | None) -> None:
    """What the HTML page needs of a result (the PEMs dropped; bounded)."""
    if not wanted:
        return
    from sslpoke.scan.output import record

    _keep_record(records, record(result))  # type: ignore[arg-type]


def _keep_record(records: list[dict[str, object]], data: dict[str, Any]) -> None:
    from sslpoke.scan.html import MAX_ROWS

    for step in data.get("path") or []:  # the names are drawn; the PEMs are not needed
        cert = step.get("certificate") or {}
        step["certificate"] = {"name": cert.get("name")}
    if len(records) >= MAX_ROWS:
        data = {"ok": data.get("ok"), "problems": (data.get("problems") or [])[:1]}
    records.append(data)


def _ends_mid_line(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            if fh.tell() == 0:
                return False
            fh.seek(-1, 2)
            return fh.read(1) != b"\n"
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    from sslpoke.commands.common import store_request
    from sslpoke.errors import InputError
    from sslpoke.scan.engine import Backend, LocalBackend, settled_gc
    from sslpoke.scan.output import Summary, Writers, done_specs
    from sslpoke.userfiles import open_output

    if args.from_jsonl:
        return _from_jsonl(args)
    _store_of_the_source(args)
    skip: set[str] = set()
    jsonl_path = args.resume or args.jsonl
    if args.json and jsonl_path == "-":
        from sslpoke.errors import UsageError

        raise UsageError("--json and --jsonl - both write to stdout: give --jsonl a file")
    _no_input_overwritten(args)
    if args.resume:
        skip = done_specs(Path(args.resume))
    given = list(_specs(args))
    if not given:
        raise InputError(_nothing_to_scan(args))
    specs = [s for s in given if s not in skip]
    engine = {
        "profile": args.profile,
        "timeout": args.timeout,
        "concurrency": args.concurrency,
        "per_host": args.per_host,
        "rate": args.rate,
    }
    backend: Backend
    if args.ray:
        from sslpoke.scan.ray_backend import RayBackend

        backend = RayBackend(
            store_request(args), address=args.ray, actors=args.ray_actors, **engine
        )
    else:
        import os

        workers = args.workers or 1
        if args.workers is None and len(specs) >= AUTO_WORKERS_FROM:
            from sslpoke.scan.procs import useful_workers

            workers = useful_workers(specs, os.cpu_count() or 1)
        if workers > 1:
            from sslpoke.scan.procs import ProcessBackend

            backend = ProcessBackend(store_request(args), workers=workers, **engine)
        else:
            backend = LocalBackend(store_request(args), **engine)
    summary = Summary()
    show = not args.quiet and sys.stderr.isatty()
    with contextlib.ExitStack() as stack:
        stack.enter_context(settled_gc())  # this process is the scan's (see settled_gc)
        jsonl = None
        if jsonl_path == "-":
            jsonl = sys.stdout
        elif jsonl_path:
            mode = "a" if args.resume else "w"
            jsonl = stack.enter_context(
                open_output(jsonl_path, "--resume" if args.resume else "--jsonl", mode)
            )
            if args.resume and _ends_mid_line(Path(jsonl_path)):
                jsonl.write("\n")  # the interrupted run's last line stays apart (and unread)
        csv_fh = None
        if args.csv:
            import csv as csvmod

            from sslpoke.scan.output import CSV_COLUMNS

            csv_fh = stack.enter_context(open_output(args.csv, "--csv"))
            csvmod.writer(csv_fh, lineterminator="\n").writerow(CSV_COLUMNS)
        # opened before the scan: a path that cannot be written fails now, not after it
        html = stack.enter_context(open_output(args.html, "--html")) if args.html else None
        writers = Writers(jsonl, csv_fh)
        html_records: list[dict[str, object]] = []
        if args.resume:  # the endpoints done before count too: the summary, CSV, HTML and
            _take_resumed(args, summary, csv_fh, html_records)  # exit code cover the scan
        if show:
            import time

            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            columns = (
                TextColumn("scanning"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.0f}/s"),
                TextColumn("{task.fields[failing]}"),
                TimeRemainingColumn(),
            )
            with Progress(*columns, transient=True) as progress:
                task = progress.add_task("scan", total=len(specs), rate=0.0, failing="")
                started = time.monotonic()
                for result in backend.run(specs):
                    writers.write(result)
                    summary.add(result)
                    _keep(html_records, result, args.html)
                    elapsed = max(1e-6, time.monotonic() - started)
                    progress.update(
                        task,
                        advance=1,
                        rate=summary.total / elapsed,
                        failing=summary.progress_text(),
                    )
        else:
            for result in backend.run(specs):
                writers.write(result)
                summary.add(result)
                _keep(html_records, result, args.html)
        writers.flush()
        if html is not None:
            from sslpoke.scan.html import render

            html.write(render(html_records))
    out = sys.stderr if jsonl is sys.stdout else sys.stdout
    return _finish(args, summary, len(skip), out)


def _finish(args: argparse.Namespace, summary: Any, resumed: int, out: Any) -> int:
    """The summary (text, or --json) and the exit code: 0 only when all are trusted."""
    from sslpoke.report import console

    code = 0 if summary.total == summary.trusted else 1
    if args.json:
        import json

        data = {
            "schema_version": 1,
            "kind": "scan",
            "ok": code == 0,
            "exit_code": code,
            "resumed": resumed,
            **summary.as_dict(),
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return code
    if resumed:
        out.write(f"resumed: {resumed} endpoints already in {args.resume}\n")
    console.write(summary.lines(), out)
    return code
