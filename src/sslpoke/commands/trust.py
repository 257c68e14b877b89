"""``sslpoke trust``: import what makes a server trusted into a truststore, safely."""

from __future__ import annotations

import argparse
import sys

from sslpoke.commands.common import connection_options, store_options, store_request


def add_options(p: argparse.ArgumentParser) -> None:
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
    connection_options(p)
    store_options(p)


def run(args: argparse.Namespace) -> int:
    from sslpoke.fix import trust_cli

    if not args.json:
        return trust_cli(args, store_request(args))
    import contextlib
    import json

    record: dict[str, object] = {"schema_version": 1, "kind": "trust"}
    with contextlib.redirect_stdout(sys.stderr):  # the human text, for a person watching
        code = trust_cli(args, store_request(args), record=record)
    record.update(ok=code == 0, exit_code=code)
    sys.stdout.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return code
