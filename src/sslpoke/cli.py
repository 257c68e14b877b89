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

    from sslpoke.report.model import JavaVerdict, Report
    from sslpoke.truststore_choice import StoreRequest

COMMANDS = ("probe", "verify", "trust", "java", "demo", "audit", "scan", "explain", "store", "data")


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


def _store_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("truststore (default: what the java on PATH uses)")
    g.add_argument(
        "--truststore",
        metavar="PATH",
        help="JKS, JCEKS, PKCS#12, PEM/DER file or certificate directory",
    )
    g.add_argument(
        "--storepass",
        metavar="PASS",
        help="truststore password (default: changeit; or set SSLPOKE_STOREPASS)",
    )
    g.add_argument(
        "--storetype",
        metavar="TYPE",
        help="jks, jceks, pkcs12, pem, der or directory (default: detected)",
    )
    g.add_argument("--system", action="store_true", help="use the operating system's CA bundle")
    g.add_argument("--mozilla", action="store_true", help="use Mozilla's roots (certifi)")
    g.add_argument(
        "-D",
        dest="java_props",
        action="append",
        default=[],
        metavar="PROP=VALUE",
        help="Java system property, pasted as is: -Djavax.net.ssl.trustStore=..., "
        "-Djavax.net.ssl.trustStorePassword=..., -Djavax.net.ssl.trustStoreType=...",
    )
    g.add_argument(
        "--java",
        metavar="PATH|PID",
        help="use the truststore of this JVM (java binary, java.home, running PID or app folder)",
    )
    g.add_argument(
        "--app-dir",
        metavar="DIR",
        help="the Java and -Djavax.net.ssl.* options an application starts with (bin/setenv.sh, jre/)",
    )


def _connection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--servername", metavar="NAME", help="SNI and the name the certificate must match"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="limit for each network step (default 10)",
    )
    p.add_argument(
        "--starttls", metavar="PROTO", help="smtp, imap, pop3, ldap, ftp, xmpp, postgres or mysql"
    )
    p.add_argument("--no-starttls", action="store_true", help="TLS at once even on a STARTTLS port")


def _common_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--profile",
        choices=("java", "webpki"),
        default="java",
        help="validation rules (default: java)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the whole certification path even on success",
    )
    p.add_argument(
        "--reference",
        metavar="PATH",
        help="an up-to-date root bundle to compare with (default: Mozilla's via certifi)",
    )


def _probe_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "host", help="host, host:port, [ipv6]:port or URL (https://, ldaps://, smtp://, ...)"
    )
    p.add_argument("port", nargs="?", help="port (default 443, or the URL scheme's)")
    _connection_options(p)
    p.add_argument(
        "--no-hostname-check",
        action="store_true",
        help="skip the name check (what old SSLPoke does)",
    )
    p.add_argument("--source-address", metavar="IP", help="local address to connect from")
    p.add_argument(
        "--save-chain", metavar="DIR", help="write the certificates sent as DIR/<n>-<name>.pem"
    )
    p.add_argument(
        "--confirm",
        action="store_true",
        help="also run the bundled Java probe with that JVM and compare",
    )
    p.add_argument(
        "--revocation",
        action="store_true",
        help="check revocation: the stapled OCSP response, OCSP and CRL from the certificate "
        "(phones out to the CA)",
    )
    _store_options(p)
    _common_output(p)


def _verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "certs",
        nargs="+",
        metavar="CERT",
        help="leaf first, then intermediates (PEM, DER, PKCS#7, or a keystore with --alias)",
    )
    p.add_argument("--alias", help="the keystore entry to verify, when CERT is a keystore")
    p.add_argument(
        "--intermediates",
        metavar="FILE",
        action="append",
        default=[],
        help="more certificates for path building",
    )
    p.add_argument(
        "--host",
        metavar="NAME",
        help="DNS name or IP address the leaf must match (default: no name check)",
    )
    p.add_argument("--at", metavar="TIME", help="validation time, ISO 8601 (default: now)")
    p.add_argument(
        "--crl",
        metavar="FILE",
        action="append",
        default=[],
        help="CRL(s) to check revocation against",
    )
    p.add_argument(
        "--max-depth", type=int, metavar="N", help="longest path allowed, in intermediates"
    )
    _store_options(p)
    _common_output(p)


def _trust_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("host", nargs="?", help="server whose chain to trust (as for probe)")
    p.add_argument("port", nargs="?", help="port")
    p.add_argument("--cert", metavar="FILE", help="import this certificate instead of fetching")
    p.add_argument("--alias", help="alias for the imported certificate (default: from its subject)")
    p.add_argument(
        "--fetch-missing",
        action="store_true",
        help="download a missing intermediate from the AIA URL",
    )
    p.add_argument("--remove", metavar="ALIAS", help="remove an entry (backed up first)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="also remove entries the imported certificate replaces (same name, another key)",
    )
    p.add_argument("--list", action="store_true", help="list the truststore's entries")
    p.add_argument(
        "--mark-trusted",
        action="store_true",
        help="PKCS#12: give Java's trusted attribute to certificates that lack it (openssl -nokeys)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument(
        "--json", action="store_true", help="print the outcome as JSON (the text goes to stderr)"
    )
    _connection_options(p)
    _store_options(p)


def _java_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--app-dir",
        metavar="DIR",
        action="append",
        default=[],
        help="also read this application's start scripts (bin/setenv.sh)",
    )
    p.add_argument("--json", action="store_true")


def _demo_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the reports as JSON")


def _audit_cmd(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.audit import add_options

    add_options(p)


def _scan_cmd(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.scan import add_options

    add_options(p)


def _explain_cmd(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.explain import add_options

    add_options(p)


def _store_cmd(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.store import add_store_options

    add_store_options(p)


def _data_cmd(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.store import add_data_options

    add_data_options(p)


COMMAND_PARSERS = {
    "probe": ("connect to a server and explain its trust (the default command)", _probe_options),
    "verify": ("validate certificate files offline", _verify_options),
    "trust": ("import what makes a server trusted into a truststore, safely", _trust_options),
    "java": ("list every Java on this machine and the truststore each uses", _java_options),
    "demo": ("start loopback servers with common failures and diagnose each", _demo_options),
    "audit": ("judge a server's TLS setup for the Javas that must talk to it", _audit_cmd),
    "scan": ("diagnose many endpoints at once (JSON lines, CSV, a summary by cause)", _scan_cmd),
    "explain": (
        "find the Java TLS failures in application logs, and diagnose each endpoint",
        _explain_cmd,
    ),
    "store": ("audit a truststore against Mozilla's and the JDK's roots, or update it", _store_cmd),
    "data": ("show or update the root-program data sslpoke compares with", _data_cmd),
}


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
    for name, (text, add_options) in COMMAND_PARSERS.items():
        if only is None or only == name:
            add_options(sub.add_parser(name, help=text))
    return parser


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


def _password(args: argparse.Namespace) -> str | None:
    return args.storepass if args.storepass is not None else os.environ.get("SSLPOKE_STOREPASS")


def _store_request(args: argparse.Namespace) -> StoreRequest:
    from sslpoke.errors import UsageError
    from sslpoke.truststore_choice import StoreRequest

    app_dir = getattr(args, "app_dir", None)
    chosen = [bool(args.truststore), args.system, args.mozilla, bool(args.java), bool(app_dir)]
    if sum(chosen) > 1:
        raise UsageError("give only one of --truststore, --system, --mozilla, --java and --app-dir")
    java_args = [f"-D{p}" for p in args.java_props]
    from sslpoke.java.options import masked

    # What reproduces this choice in a printed fix: as typed, without any password.
    origin: list[str] = [f"-D{p}" for p in args.java_props if masked(f"-D{p}") == f"-D{p}"]
    if args.java:
        from sslpoke.java.discovery import resolve_java

        request = resolve_java(args.java, java_args=java_args, password=_password(args))
        return request._replace(origin_args=("--java", args.java, *origin))
    if app_dir:
        from pathlib import Path

        from sslpoke.java.discovery import resolve_app_dir

        request = resolve_app_dir(Path(app_dir), java_args=java_args, password=_password(args))
        return request._replace(origin_args=("--app-dir", app_dir, *origin))
    if args.truststore:
        origin = ["--truststore", args.truststore]
        if args.storetype:
            origin += ["--storetype", args.storetype]
    elif args.system or args.mozilla:
        origin = ["--system" if args.system else "--mozilla"]
    return StoreRequest(
        path=args.truststore,
        password=_password(args),
        storetype=args.storetype,
        system=args.system,
        mozilla=args.mozilla,
        java_args=java_args,
        origin_args=tuple(origin),
    )


def _emit(
    report: Report,
    args: argparse.Namespace,
    java: JavaVerdict | None = None,
    not_confirmed: str | None = None,
) -> int:
    if args.json:
        from sslpoke.report.json import to_dict

        data = to_dict(report)
        if java is not None:
            data["java_confirmation"] = java.as_dict(report.ok)
        elif not_confirmed is not None:
            data["java_confirmation"] = {"ran": False, "reason": not_confirmed}
        import json

        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        from sslpoke.report import console, text

        lines = text.render(report, verbose=args.verbose)
        if java is not None:
            lines += text.java_confirmation(java, report.ok)
        elif not_confirmed is not None:
            lines += [[], [("Java not asked: ", "bold"), (not_confirmed, "dim")]]
        console.write(lines)
    if java is not None and java.ok != report.ok:
        sys.stderr.write(
            "sslpoke: DISAGREEMENT WITH JAVA: sslpoke says "
            f"{'trusted' if report.ok else 'not trusted'}, {java.java} says {'trusted' if java.ok else 'not trusted'}. "
            "This is a bug in sslpoke: please report it with the output of --json.\n"
        )
    return int(report.exit_code)


def _cmd_probe(args: argparse.Namespace) -> int:
    from sslpoke.api import probe

    source = (args.source_address, 0) if args.source_address else None
    if source is not None:
        _check_source_address(args.source_address)
    request = _store_request(args)
    report = probe(
        args.host,
        args.port,
        truststore=request,
        servername=args.servername,
        check_hostname=not args.no_hostname_check,
        timeout=args.timeout,
        profile=args.profile,
        starttls=args.starttls,
        no_starttls=args.no_starttls,
        reference=args.reference,
        save_chain=args.save_chain,
        source_address=source,
        revocation=args.revocation,
    )
    java = None
    not_confirmed = None
    if args.confirm:
        from sslpoke.java.confirm import ConfirmError, confirm_for

        try:
            java = confirm_for(report, request, args.java, timeout=args.timeout)
        except ConfirmError as exc:  # the diagnosis stands; say why Java was not asked
            not_confirmed = str(exc)
    return _emit(report, args, java, not_confirmed)


def _check_source_address(address: str) -> None:
    """A source address must be one of this machine's: anything else is bad input."""
    import socket

    from sslpoke.errors import UsageError

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe_socket:
            probe_socket.bind((address, 0))
    except OSError as exc:
        raise UsageError(
            f"--source-address {address}: not an address of this machine ({exc.strerror})"
        ) from None


def _cmd_verify(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sslpoke.api import verify
    from sslpoke.certfiles import load_certificates
    from sslpoke.errors import InputError, UsageError

    certs = []
    for path in args.certs:
        certs += load_certificates(path, alias=args.alias, password=_password(args))
    intermediates = [c for path in args.intermediates for c in load_certificates(path)]
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                f"invalid --at time {args.at!r}: use ISO 8601, e.g. 2026-01-31T12:00:00Z"
            ) from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    crls = None
    if args.crl:
        from sslpoke.pki.revocation import CrlError, CrlSet, load_crls
        from sslpoke.stores.load import read_file

        try:
            crls = CrlSet(
                [c for path in args.crl for c in load_crls(read_file(_path(path), "CRL"), path)]
            )
        except CrlError as exc:
            raise InputError(str(exc)) from None
    if args.max_depth is not None and args.max_depth < 0:
        raise UsageError("--max-depth must be 0 or more")
    host = None
    if args.host:
        from sslpoke.target import normalize_host

        host = normalize_host(args.host)
    report = verify(
        certs,
        truststore=_store_request(args),
        intermediates=intermediates,
        host=host,
        at=at,
        crls=crls,
        max_depth=args.max_depth,
        profile=args.profile,
        reference=args.reference,
    )
    return _emit(report, args)


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)


def _cmd_trust(args: argparse.Namespace) -> int:
    from sslpoke.fix import trust_cli

    if not args.json:
        return trust_cli(args, _store_request(args))
    import contextlib
    import json

    record: dict[str, object] = {"schema_version": 1, "kind": "trust"}
    with contextlib.redirect_stdout(sys.stderr):  # the human text, for a person watching
        code = trust_cli(args, _store_request(args), record=record)
    record.update(ok=code == 0, exit_code=code)
    sys.stdout.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return code


def _cmd_java(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sslpoke.errors import UsageError
    from sslpoke.java.discovery import find_javas, java_processes, read_app_dir
    from sslpoke.report.java import render_java_report

    for folder in args.app_dir:
        if not Path(folder).exists():
            raise UsageError(f"--app-dir {folder}: no such folder or file")
    apps = [read_app_dir(Path(d)) for d in args.app_dir]
    return render_java_report(find_javas(), java_processes(), apps, json_output=args.json)


def _cmd_demo(args: argparse.Namespace) -> int:
    from sslpoke.demo import run_demo

    return run_demo(json_output=args.json)


def _cmd_store(args: argparse.Namespace) -> int:
    from sslpoke.commands.store import run_store

    return run_store(args)


def _cmd_data(args: argparse.Namespace) -> int:
    from sslpoke.commands.store import run_data

    return run_data(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from sslpoke.commands.audit import run

    return run(args)


def _cmd_explain(args: argparse.Namespace) -> int:
    from sslpoke.commands.explain import run

    return run(args)


def _cmd_scan(args: argparse.Namespace) -> int:
    from sslpoke.commands.scan import run

    return run(args)


HANDLERS = {
    "scan": _cmd_scan,
    "explain": _cmd_explain,
    "audit": _cmd_audit,
    "store": _cmd_store,
    "data": _cmd_data,
    "probe": _cmd_probe,
    "verify": _cmd_verify,
    "trust": _cmd_trust,
    "java": _cmd_java,
    "demo": _cmd_demo,
}


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
    return HANDLERS[args.command](args)


def run() -> NoReturn:
    """The console script, tuned for a process that lives well under a second.

    The cyclic garbage collector is off: importing cryptography creates enough
    objects to trigger several full collections, about 6 ms of a 75 ms probe, and
    reference counting alone frees what a single command allocates. (The library's
    callers keep their collector: only this entry point turns it off.) Once the
    report is out, the interpreter's teardown is skipped too (freeing every module
    costs about 10 ms): all files are closed by then, and standard streams are
    flushed here."""
    import gc

    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
