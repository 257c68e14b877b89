"""What several commands share: the truststore options and their request, the connection
options, the output options, and the report's rendering (text or JSON)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sslpoke.report.model import JavaVerdict, Report
    from sslpoke.truststore_choice import StoreRequest


MAX_SECONDS = 86400.0


def _positive(text: str, most: float, wanted: str) -> float:
    """``text`` as a number in (0, ``most``]; ``nan`` fails the test too."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= most:
        raise argparse.ArgumentTypeError(f"give {wanted} (not {text!r})")
    return value


def seconds(text: str) -> float:
    """An argparse type for a timeout: a positive, finite number of seconds, at most a
    day (``nan`` passed a ``<= 0`` check, and ``inf`` would wait on a silent server for
    ever)."""
    wanted = f"a positive number of seconds, at most {MAX_SECONDS:.0f}"
    return _positive(text, MAX_SECONDS, wanted)


def per_second(text: str) -> float:
    """An argparse type for a rate: a positive, finite number per second."""
    return _positive(text, sys.float_info.max, "a positive number per second")


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"give a whole number from {low} to {high} (not {text!r})"
            )
        return value

    parse.__name__ = "count"  # argparse names the type in some messages
    return parse


def store_options(p: argparse.ArgumentParser) -> None:
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


def connection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--servername", metavar="NAME", help="SNI and the name the certificate must match"
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="limit for each network step (default 10)",
    )
    p.add_argument(
        "--starttls", metavar="PROTO", help="smtp, imap, pop3, ldap, ftp, xmpp, postgres or mysql"
    )
    p.add_argument("--no-starttls", action="store_true", help="TLS at once even on a STARTTLS port")


def output_options(p: argparse.ArgumentParser) -> None:
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


def password(args: argparse.Namespace) -> str | None:
    return args.storepass if args.storepass is not None else os.environ.get("SSLPOKE_STOREPASS")


def store_request(args: argparse.Namespace) -> StoreRequest:
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

        request = resolve_java(args.java, java_args=java_args, password=password(args))
        return request._replace(origin_args=("--java", args.java, *origin))
    if app_dir:
        from pathlib import Path

        from sslpoke.java.discovery import resolve_app_dir

        request = resolve_app_dir(Path(app_dir), java_args=java_args, password=password(args))
        return request._replace(origin_args=("--app-dir", app_dir, *origin))
    if args.truststore:
        origin = ["--truststore", args.truststore]
        if args.storetype:
            origin += ["--storetype", args.storetype]
    elif args.system or args.mozilla:
        origin = ["--system" if args.system else "--mozilla"]
    return StoreRequest(
        path=args.truststore,
        password=password(args),
        storetype=args.storetype,
        system=args.system,
        mozilla=args.mozilla,
        java_args=java_args,
        origin_args=tuple(origin),
    )


def emit(
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
