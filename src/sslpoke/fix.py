"""``sslpoke trust``: import exactly what makes a server trusted, safely.

It probes the server against the truststore the application uses, works out the
one certificate whose absence breaks the chain (the root the chain ends at, a
self-signed server certificate, Mozilla's copy of a root the store lacks, or -
with ``--fetch-missing`` - an intermediate from the AIA URL), checks offline that
importing it would make the server trusted, shows it with its SHA-256
fingerprint, asks, backs the store up, writes it atomically, and probes again.
"""

from __future__ import annotations

import contextlib
import sys
from argparse import Namespace
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import DeclinedError, InputError, UsageError
from sslpoke.java.discovery import JavaProcess
from sslpoke.pki.certs import Cert, pem_blocks
from sslpoke.problems import Code
from sslpoke.report import console
from sslpoke.report.model import CertInfo, Report, Role
from sslpoke.report.text import Line, plural
from sslpoke.stores import TrustEntry, TrustStore
from sslpoke.stores.edit import Editable
from sslpoke.stores.model import StoreType, alias_for
from sslpoke.truststore_choice import StoreRequest, choose

UNTRUSTED = {
    Code.SELF_SIGNED,
    Code.CERTIFICATE_RENEWED,
    Code.UNKNOWN_CA,
    Code.INCOMPLETE_CHAIN,
    Code.OUTDATED_TRUSTSTORE,
    Code.INTERCEPTED,
}


class AlreadyTrustedError(InputError):
    """The server is trusted already: nothing to import."""


class Plan(NamedTuple):
    certs: tuple[Cert, ...]  # what to import
    why: str  # one line: where each certificate comes from


def _cert(info: CertInfo) -> Cert:
    """The certificate back from a report, which keeps it as PEM."""
    return Cert(pem_blocks(info.pem.encode())[0])


def _simulate(
    chain: Sequence[Cert], store: TrustStore, extra: Sequence[Cert], report: Report
) -> Report:
    from sslpoke.api import verify

    bigger = store._replace(
        entries=(*store.entries, *(TrustEntry(c, "(to import)") for c in extra))
    )
    return verify(
        list(chain),
        truststore=bigger,
        host=report.checked_name,
        profile=report.profile,
        reference=False,
    )


def plan_import(report: Report, store: TrustStore, *, fetch_missing: bool, timeout: float) -> Plan:
    """What to import to make ``report``'s server trusted; raises InputError if nothing can."""
    if report.ok:
        raise AlreadyTrustedError(
            "the server is already trusted by this truststore: nothing to import"
        )
    if not report.chain:
        first = report.errors[0].message if report.errors else "no certificate was received"
        raise InputError(f"nothing to import: {first}")
    chain = [_cert(info) for info in report.chain]
    codes = {p.code for p in report.errors}
    if not codes & UNTRUSTED:
        reasons = "; ".join(p.message for p in report.errors)
        raise InputError(f"importing a certificate would not help: {reasons}")
    steps = report.path
    candidates: list[Cert] = []
    why = ""
    if steps and steps[-1].role is Role.MISSING:
        missing_below = steps[-2].cert
        assert missing_below is not None
        top = _cert(missing_below)
        root = _mozilla_root_for(top)
        if root is not None:
            candidates, why = (
                [root],
                f"Mozilla's copy of the root {root.display_name!r} (certifi), which this truststore lacks",
            )
        elif fetch_missing and top.ca_issuers_urls:
            candidates, why = _fetch_issuer(top, timeout)
        else:
            missing = top.issuer_display_name
            hint = (
                f" Its AIA URL is {top.ca_issuers_urls[0]}: add --fetch-missing to import it from there."
                if top.ca_issuers_urls
                else ""
            )
            raise InputError(
                f"the issuer {missing!r} is neither sent by the server nor available to sslpoke. If it is an "
                f"intermediate, the server should send it; if it is your private root, get it from your PKI team "
                f"and import it with --cert FILE.{hint}"
            )
    else:
        last = next((s.cert for s in reversed(steps) if s.cert is not None), None)
        assert last is not None
        top = _cert(last)
        candidates = [top]
        kind = (
            "self-signed server certificate"
            if len(steps) == 1
            else "root the server's chain ends at"
        )
        why = f"the {kind} {top.display_name!r}, as sent by the server"
    after = _simulate(chain, store, candidates, report)
    if not after.ok:
        reasons = "; ".join(p.message for p in after.errors)
        raise InputError(
            f"importing {', '.join(c.display_name for c in candidates)} would not make the server trusted: {reasons}"
        )
    return Plan(tuple(candidates), why)


def _mozilla_root_for(top: Cert) -> Cert | None:
    from sslpoke.pki.signature import Sig, check_signature
    from sslpoke.stores import load_mozilla

    try:
        mozilla = load_mozilla()
    except InputError:
        return None
    for anchor in mozilla.anchors.issuers_of(top):
        if check_signature(top, anchor.cert) is Sig.OK:
            return anchor.cert
    return None


def _fetch_issuer(top: Cert, timeout: float) -> tuple[list[Cert], str]:
    """The certificate that signed ``top``, from its AIA URL. Only that one is imported: the
    offline check that follows says whether it completes the chain to a trusted root."""
    from sslpoke.net.aia import fetch_issuers
    from sslpoke.pki.signature import Sig, check_signature

    url = top.ca_issuers_urls[0]
    issuers = [Cert(der) for der in fetch_issuers(url, timeout=timeout)]
    issuer = next((c for c in issuers if check_signature(top, c) is Sig.OK), None)
    if issuer is None:
        raise InputError(f"{url} did not return the certificate that signed {top.display_name!r}")
    return [issuer], f"the issuer {issuer.display_name!r}, downloaded from its AIA URL {url}"


# --- the command ------------------------------------------------------------------------


def _describe(cert: Cert) -> list[Line]:
    return [
        [("    subject  ", "dim"), (cert.subject_text, "bold")],
        [("    issuer   ", "dim"), (cert.issuer_text, None)],
        [
            ("    valid    ", "dim"),
            (f"{cert.not_before:%Y-%m-%d} → {cert.not_after:%Y-%m-%d}", None),
        ],
        [("    SHA-256  ", "dim"), (cert.fingerprint, None)],
    ]


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "not asking without a terminal: add --yes to write, or --dry-run to only look"
        )
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise DeclinedError("nothing written")


def _target_store(request: StoreRequest) -> tuple[Path, str | None, TrustStore]:
    chosen = choose(request)
    if chosen.bundle is not None:  # --system, --mozilla, or the OS bundle for want of a Java
        raise UsageError(
            f"sslpoke does not write the {'Mozilla' if chosen.bundle == 'mozilla' else 'OS'} bundle "
            f"{chosen.store.location}; on Debian/Ubuntu put the certificate in "
            "/usr/local/share/ca-certificates/NAME.crt and run update-ca-certificates, "
            "or name the truststore to change with --truststore"
        )
    if chosen.store.path is None:
        raise UsageError("this truststore has no file to write")
    return chosen.store.path, chosen.password, chosen.store


def trust_cli(
    args: Namespace, request: StoreRequest, *, record: dict[str, object] | None = None
) -> int:
    """``sslpoke trust``. ``record`` (for --json) receives what was done, as data."""
    from sslpoke.stores import edit
    from sslpoke.stores.safe_write import replace_file, store_lock

    out: dict[str, object] = record if record is not None else {}
    path, password, store = _target_store(request)
    out.update(truststore=str(path), store_type=store.type.value, action="list")
    real = path.resolve()
    where = f"{store.type.value.upper()} {path}" + (f" → {real}" if real != path.absolute() else "")
    if args.list:
        out["entries"] = [
            {
                "alias": e.alias,
                "kind": e.kind.value,
                "subject": e.cert.subject_text,
                "sha256": e.cert.fingerprint,
            }
            for e in store.entries
        ]
        return _list(store, where)
    editable = edit.open_for_edit(path, password)

    if getattr(args, "mark_trusted", False):
        return _mark_trusted(args, path, password, where, out)

    if args.remove:
        if (
            args.remove.lower() not in {a.lower() for a in editable.aliases}
            and editable.type is not StoreType.PEM
        ):
            raise InputError(f"{path}: no entry with alias {args.remove!r}")
        new = edit.without_alias(editable, args.remove)
        if new == editable.data:
            raise InputError(f"{path}: no certificate matches {args.remove!r}")
        console.write([[(f"Remove {args.remove!r} from {where}", "bold")]])
        out.update(action="remove", removed=[args.remove], written=False)
        if args.dry_run:
            return 0
        _confirm("Remove it (a backup is kept)?", args.yes)
        with store_lock(path):  # read again: another writer may have changed it meanwhile
            new = edit.without_alias(edit.open_for_edit(path, password), args.remove)
            written = replace_file(path, new)
        console.write([[("Removed. ", "ok"), (f"Backup: {written.backup}", "dim")]])
        console.write(restart_notice(written.path))
        out.update(written=True, backup=str(written.backup), restart=_restart_data(written.path))
        return 0

    report = None
    if args.cert:
        from sslpoke.certfiles import load_certificates

        plan = Plan(tuple(load_certificates(args.cert)), f"the certificate(s) in {args.cert}")
    else:
        if not args.host:
            raise UsageError(
                "give HOST [PORT] to trust a server, or --cert FILE, --list or --remove ALIAS"
            )
        report = _probe(args, store)
        try:
            plan = plan_import(
                report, store, fetch_missing=args.fetch_missing, timeout=args.timeout
            )
        except AlreadyTrustedError:
            console.write(
                [
                    [
                        ("Already trusted: ", "ok"),
                        (f"{report.target} by {where}; nothing changed.", None),
                    ]
                ]
            )
            return 0

    fresh = [c for c in plan.certs if c.sha256 not in editable.fingerprints]
    out.update(action="import", why=plan.why, written=False)
    if not fresh:
        out["action"] = "already-trusted"
        console.write(
            [
                [
                    ("Already trusted: ", "ok"),
                    (f"the certificate is already in {where}; nothing changed.", None),
                ]
            ]
        )
        return 0
    lines: list[Line] = [
        [
            ("Import into ", "bold"),
            (where, "bold"),
            (f"  ({plural(len(store.entries), 'entry', 'entries')})", "dim"),
        ],
        [("  ", None), (plan.why, None)],
    ]
    aliases = []
    data = editable
    for cert in fresh:
        alias = edit.unique_alias(data, args.alias or alias_for(cert))
        aliases.append(alias)
        data = data._replace(aliases=data.aliases | {alias})
        lines.append([("  alias    ", "dim"), (alias, "cmd")])
        lines += _describe(cert)
    console.write(lines)
    out["imported"] = [
        {"alias": a, "subject": c.subject_text, "sha256": c.fingerprint}
        for c, a in zip(fresh, aliases, strict=True)
    ]
    if args.dry_run:
        console.write([[("Dry run: nothing written.", "warn")]])
        return 0
    _confirm(f"Import {len(fresh)} certificate(s) into {path}?", args.yes)

    if editable.type is StoreType.DIRECTORY:
        with store_lock(path):
            written_paths = _write_into_directory(path, fresh, aliases)
        summary = f"wrote {', '.join(str(p) for p in written_paths)}; run 'openssl rehash {path}' for OpenSSL clients"
    else:
        # The whole read-modify-write holds the lock, on the store as it is now: an
        # import another writer made since we first read it is kept.
        with store_lock(path):
            current = edit.open_for_edit(path, password)
            content, added = edit.with_certificates(current, list(zip(fresh, aliases, strict=True)))
            if added and getattr(args, "replace", False):
                content, replaced = _without_replaced(
                    current._replace(data=content), [c for c, _ in added], path, password
                )
                for alias in replaced:
                    console.write([[("  replaces ", "dim"), (alias, "cmd")]])
            if not added:
                console.write(
                    [
                        [
                            ("Already trusted: ", "ok"),
                            ("another writer imported it meanwhile; nothing changed.", None),
                        ]
                    ]
                )
                return 0
            written = replace_file(path, content)
        summary = f"wrote {written.path}; backup: {written.backup}"
        out.update(backup=str(written.backup))
    console.write([[("Imported. ", "ok"), (summary, "dim")]])
    console.write(restart_notice(path))
    out.update(written=True, restart=_restart_data(path))

    if report is not None:
        code = _reprobe(args, request, report)
        out["reprobe_exit_code"] = code
        return code
    return 0


def _mark_trusted(
    args: Namespace, path: Path, password: str | None, where: str, out: dict[str, object]
) -> int:
    """--mark-trusted: the certificates of an openssl-made PKCS#12, made visible to Java."""
    from sslpoke.stores import edit
    from sslpoke.stores.safe_write import replace_file, store_lock

    _, marked = edit.marked_trusted(edit.open_for_edit(path, password))
    out.update(action="mark-trusted", marked=marked, written=False)
    if not marked:
        console.write(
            [
                [
                    ("Nothing to mark: ", "ok"),
                    (f"every certificate in {where} is trusted already.", None),
                ]
            ]
        )
        return 0
    lines: list[Line] = [[("Mark as trusted for Java in ", "bold"), (where, "bold")]]
    lines += [[("  alias    ", "dim"), (alias, "cmd")] for alias in marked]
    console.write(lines)
    if args.dry_run:
        console.write([[("Dry run: nothing written.", "warn")]])
        return 0
    _confirm(f"Mark {len(marked)} certificate(s) as trusted in {path}?", args.yes)
    with store_lock(path):  # read again under the lock
        content, marked = edit.marked_trusted(edit.open_for_edit(path, password))
        written = replace_file(path, content)
    console.write(
        [[("Marked. ", "ok"), (f"wrote {written.path}; backup: {written.backup}", "dim")]]
    )
    console.write(restart_notice(written.path))
    out.update(
        marked=marked, written=True, backup=str(written.backup), restart=_restart_data(written.path)
    )
    return 0


def _without_replaced(
    current: Editable, new: list[Cert], path: Path, password: str | None
) -> tuple[bytes, list[str]]:
    """Remove the entries that the new certificates replace: same subject, another key."""
    from sslpoke.stores import edit, load_truststore

    store = load_truststore(path, password=password, allow_empty=True)
    stale = [
        e.alias
        for e in store.entries
        for c in new
        if e.alias and e.cert.raw.subject == c.raw.subject and e.cert.raw.spki != c.raw.spki
    ]
    content = current.data
    for alias in stale:
        content = edit.without_alias(current._replace(data=content), alias)
    return content, stale


def jvms_using(store: Path) -> list[JavaProcess]:
    """Running JVMs (as far as /proc shows them to this user) whose truststore is ``store``."""
    from sslpoke.java.discovery import java_processes

    real = store.resolve()
    out = []
    for process in java_processes():
        used = process.store.real_path or process.store.path
        with contextlib.suppress(OSError):
            if used.resolve() == real:
                out.append(process)
    return out


def _restart_data(store: Path) -> list[dict[str, object]]:
    return [{"pid": p.pid, "command": p.command} for p in jvms_using(Path(store))]


def restart_notice(store: Path) -> list[Line]:
    """A running JVM read its truststore once, at start-up: say which must be restarted."""
    users = jvms_using(Path(store))
    if not users:
        return [
            [
                ("Restart the application ", "warn"),
                (
                    "that uses this truststore: a running JVM reads it only once, at start-up "
                    "(no running Java process using it is visible to this user).",
                    None,
                ),
            ]
        ]
    lines: list[Line] = [
        [
            ("Restart ", "warn"),
            (
                "this JVM: it read the truststore at start-up and does not see the change until "
                "it restarts."
                if len(users) == 1
                else f"these {len(users)} JVMs: each read the truststore at start-up and does not "
                "see the change until it restarts.",
                None,
            ),
        ]
    ]
    for process in users:
        lines.append([("  PID ", "dim"), (f"{process.pid}  {process.command}", "cmd")])
    return lines


def _write_into_directory(
    folder: Path, certs: Sequence[Cert], aliases: Sequence[str]
) -> list[Path]:
    from sslpoke.stores.safe_write import write_new_file

    return [
        write_new_file(folder / f"{alias}.pem", cert.pem.encode("ascii"))
        for cert, alias in zip(certs, aliases, strict=True)
    ]


def _probe(args: Namespace, store: StoreRequest | TrustStore) -> Report:
    """The server as the command line names it, checked against ``store``."""
    from sslpoke.api import probe

    return probe(
        args.host,
        args.port,
        truststore=store,
        servername=args.servername,
        timeout=args.timeout,
        starttls=args.starttls,
        no_starttls=args.no_starttls,
    )


def _reprobe(args: Namespace, request: StoreRequest, before: Report) -> int:
    after = _probe(args, request)
    if after.ok:
        console.write(
            [
                [
                    ("Probed again: ", "dim"),
                    ("Successfully connected", "ok"),
                    (f"  {after.target}", None),
                ]
            ]
        )
        return 0
    reasons = "; ".join(f"{p.code.value}: {p.message}" for p in after.errors)
    console.write([[("Probed again: still not trusted: ", "error"), (reasons, None)]])
    return int(after.exit_code)


def _list(store: TrustStore, where: str) -> int:
    lines: list[Line] = [[(f"{where}: {plural(len(store.entries), 'entry', 'entries')}", "bold")]]
    for entry in sorted(store.entries, key=lambda e: (e.alias or "", e.cert.display_name)):
        c = entry.cert
        lines.append(
            [
                (f"  {entry.alias or '-'}", "cmd"),
                (f"  {entry.kind.value}", "dim"),
                (f"  {c.display_name}", None),
                (f"  until {c.not_after:%Y-%m-%d}", "dim"),
                (f"  {c.fingerprint[:23]}…", "dim"),
            ]
        )
    console.write(lines)
    return 0
