"""``sslpoke verify CERT...``: validate certificate files offline."""

from __future__ import annotations

import argparse
from typing import Any

from sslpoke.commands.common import emit, output_options, password, store_options, store_request


def add_options(p: argparse.ArgumentParser) -> None:
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
    store_options(p)
    output_options(p)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sslpoke.api import verify
    from sslpoke.certfiles import load_certificates
    from sslpoke.errors import InputError, UsageError

    certs = []
    for path in args.certs:
        certs += load_certificates(path, alias=args.alias, password=password(args))
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
        truststore=store_request(args),
        intermediates=intermediates,
        host=host,
        at=at,
        crls=crls,
        max_depth=args.max_depth,
        profile=args.profile,
        reference=args.reference,
    )
    return emit(report, args)


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)
