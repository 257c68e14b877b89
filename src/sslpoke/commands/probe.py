"""``sslpoke HOST [PORT]`` (the default command): connect, diagnose, render."""

from __future__ import annotations

import argparse

from sslpoke.commands.common import (
    connection_options,
    emit,
    output_options,
    store_options,
    store_request,
)


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "host", help="host, host:port, [ipv6]:port or URL (https://, ldaps://, smtp://, ...)"
    )
    p.add_argument("port", nargs="?", help="port (default 443, or the URL scheme's)")
    connection_options(p)
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
    store_options(p)
    output_options(p)


def run(args: argparse.Namespace) -> int:
    from sslpoke.api import probe

    source = (args.source_address, 0) if args.source_address else None
    if source is not None:
        _check_source_address(args.source_address)
    request = store_request(args)
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
    return emit(report, args, java, not_confirmed)


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
