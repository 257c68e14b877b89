"""``sslpoke audit HOST [PORT]``: parser and handler."""

from __future__ import annotations

import argparse
import json
import sys


def add_options(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.common import seconds

    p.add_argument(
        "host", metavar="HOST", help="host name, IP address or URL (ldaps://, smtp://...)"
    )
    p.add_argument("port", nargs="?", help="port (default: from the URL scheme, else 443)")
    p.add_argument(
        "--servername", metavar="NAME", help="SNI and the name the certificate must match"
    )
    p.add_argument(
        "--starttls", metavar="PROTO", help="smtp, imap, pop3, ldap, ftp, xmpp, postgres or mysql"
    )
    p.add_argument("--no-starttls", action="store_true", help="TLS at once even on a STARTTLS port")
    p.add_argument(
        "--timeout", type=seconds, default=5.0, metavar="SECONDS", help="per connection (default 5)"
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=5,
        metavar="N",
        help="at once to the host (default 5)",
    )
    p.add_argument(
        "--thorough",
        action="store_true",
        help="one suite per connection, for servers that misbehave with long hellos",
    )
    p.add_argument(
        "--javas",
        choices=("all", "reference", "local"),
        default="all",
        help="judge the reference Java releases, the JVMs on this machine, or both (default)",
    )
    p.add_argument(
        "--confirm",
        action="store_true",
        help="also run a real handshake with each JVM on this machine",
    )
    p.add_argument(
        "--revocation",
        action="store_true",
        help="also fetch OCSP and the CRL (the stapled response is always read); phones out",
    )
    p.add_argument("--truststore", metavar="PATH", help="truststore for the trust verdict")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the audit as JSON")
    out.add_argument("--csv", action="store_true", help="testssl.sh's CSV columns")


def run(args: argparse.Namespace) -> int:
    from sslpoke.audit.render import to_csv, to_dict, to_lines
    from sslpoke.audit.run import audit_server
    from sslpoke.errors import UsageError

    if args.max_connections < 1 or args.max_connections > 64:
        raise UsageError("--max-connections must be between 1 and 64")
    report = audit_server(
        args.host,
        args.port,
        starttls=args.starttls,
        no_starttls=args.no_starttls,
        servername=args.servername,
        truststore=args.truststore,
        timeout=args.timeout,
        max_connections=args.max_connections,
        thorough=args.thorough,
        javas=args.javas,
        confirm=args.confirm,
        revocation=args.revocation,
    )
    if args.json:
        sys.stdout.write(json.dumps(to_dict(report), indent=2, default=str) + "\n")
    elif args.csv:
        sys.stdout.write(to_csv(report))
    else:
        from sslpoke.report import console

        console.write(to_lines(report))
    if not report.enumeration.protocols:
        return 3
    return report.exit_code
