"""The ``sslpoke`` command: parse arguments, call the library, render, exit.

argparse (standard library) rather than click or typer: a probe must cost
little more than its handshake, and click alone costs about 20 ms of import
time, a third of the whole budget (see bench/probe_speed.py). Every other
module is imported only by the command that needs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sslpoke import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

#: Each command: its help line; its module ``sslpoke.commands.<name>`` has
#: ``add_options(parser)`` and ``run(args) -> exit code``, imported only when used.
COMMAND_HELP = {
    "probe": "connect to a server and explain its trust (the default command)",
    "verify": "validate certificate files offline",
    "trust": "import what makes a server trusted into a truststore, safely",
    "java": "list every Java on this machine and the truststore each uses",
    "demo": "start loopback servers with common failures and diagnose each",
    "audit": "judge a server's TLS setup for the Javas that must talk to it",
    "scan": "diagnose many endpoints at once (JSON lines, CSV, HTML, a summary by cause)",
    "explain": "find the Java TLS failures in application logs, and diagnose each endpoint",
    "store": "audit a truststore against Mozilla's and the JDK's roots, or update it",
    "data": "show or update the root-program data sslpoke compares with",
}
COMMANDS = tuple(COMMAND_HELP)


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, but it asks for the terminal width without importing shutil.

    argparse builds a formatter for every ``add_argument`` (to check it), and its
    default one imports shutil (and with it zlib, bz2 and lzma): ~2 ms per probe.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_terminal_width() - 2)


def _terminal_width() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit code 2, never a wall of text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("allow_abbrev", False)  # --json must never be taken for --jsonl
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        from sslpoke.errors import UsageError

        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, the other commands are left out (each parser costs start-up time)."""
    parser = _Parser(
        prog="sslpoke",
        description="Tells you exactly why a TLS connection is not trusted (by Java or anyone else), and how to fix it.",
        epilog="Commands: sslpoke HOST [PORT] (probe, the default) | verify | trust | java | demo "
        "| audit HOST | scan FILE | explain LOGFILE | store audit|update | data show|update. "
        "Exit codes: 0 trusted, 1 not trusted, 2 bad usage or input, 3 could not connect, "
        "4 could not write a truststore, 5 declined at a prompt.",
    )
    parser.add_argument("--version", action="version", version=f"sslpoke {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, text in COMMAND_HELP.items():
        if only is None or only == name:
            _command(name).add_options(sub.add_parser(name, help=text))
    return parser


def _command(name: str) -> Any:
    module = f"sslpoke.commands.{name}"
    __import__(module)  # not importlib: that import alone costs a probe ~0.3 ms
    return sys.modules[module]


def _argv_with_default_command(argv: Sequence[str]) -> list[str]:
    args = list(argv)
    for arg in args:
        if arg.startswith("-"):
            if arg in ("-h", "--help", "--version"):
                return args
            continue
        if arg not in COMMANDS:
            return ["probe", *args]
        return args
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure ends here as one line (or, under ``--json``, one
    JSON object on stdout) and a documented exit code; never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        sys.stderr.write("sslpoke: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # every failure, expected or not, is reported the same way
        from sslpoke.errors import ExitCode, SslpokeError

        if isinstance(exc, SslpokeError):
            code, message, exit_code = exc.code, str(exc), int(exc.exit_code)
        else:
            code, exit_code = "internal-error", int(ExitCode.INTERNAL)
            where = _where(exc)
            message = (
                f"internal error: {type(exc).__name__}: {exc}{where}. This is a bug in sslpoke: "
                "please report it with the command you ran"
            )
        _report_error(code, message, exit_code, as_json)
        return exit_code


def _where(exc: BaseException) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "sslpoke" in f.filename]
    if not ours:
        return ""
    last = ours[-1]
    from pathlib import PurePath

    return f" (at {PurePath(last.filename).name}:{last.lineno})"


def _report_error(code: str, message: str, exit_code: int, as_json: bool) -> None:
    sys.stderr.write(f"sslpoke: error: {message}\n")
    if as_json:
        import json

        data = {
            "schema_version": 1,
            "ok": False,
            "exit_code": exit_code,
            "error": {"code": code, "message": message},
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _dispatch(argv: list[str]) -> int:
    argv = _argv_with_default_command(argv)
    wanted = next((a for a in argv if a in COMMANDS), None)
    parser = build_parser(only=wanted)
    if not argv:
        sys.stderr.write(parser.format_usage())
        sys.stderr.write("sslpoke: give a host to probe, or a command (see sslpoke --help)\n")
        return 2
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from sslpoke.errors import UsageError

    if getattr(args, "timeout", 1) <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    code: int = _command(args.command).run(args)
    return code


def run() -> NoReturn:
    """The console script, tuned for a process that lives well under a second.

    The cyclic garbage collector is off: importing cryptography creates enough
    objects to trigger several full collections, about 6 ms of a 75 ms probe, and
    reference counting alone frees what a single command allocates. (The library's
    callers keep their collector: only this entry point turns it off.) Once the
    report is out, the interpreter's teardown is skipped too (freeing every module
    costs about 10 ms): all files are closed by then, and standard streams are
    flushed here. Not after a command that loaded :mod:`multiprocessing` (a scan's
    worker processes, Ray): its exit handler releases the queues' semaphores, which
    its resource tracker would otherwise report, after the command, as "leaked"."""
    import gc

    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    if "multiprocessing" in sys.modules:
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()
