"""``sslpoke store audit|update`` and ``sslpoke data update``: parsers and handlers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from sslpoke.errors import InputError, UsageError


def add_store_options(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.common import seconds, store_options

    sub = p.add_subparsers(dest="store_action", metavar="audit|update", parser_class=type(p))
    audit = sub.add_parser("audit", help="compare a truststore with Mozilla's and the JDK's roots")
    store_options(audit)
    audit.add_argument("--json", action="store_true", help="print the audit as JSON")
    audit.add_argument(
        "--expiring-days",
        type=int,
        default=365,
        metavar="N",
        help="call a root 'expiring' within N days (default 365)",
    )
    audit.add_argument(
        "--check-endpoints",
        metavar="FILE",
        help="also probe each endpoint of FILE (host[:port] or URL per line) and say which "
        "chain to roots that are missing, distrusted or expiring",
    )
    audit.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS")
    update = sub.add_parser("update", help="add the missing TLS roots (locked, backed up, atomic)")
    store_options(update)
    update.add_argument(
        "--from",
        dest="source",
        default="mozilla",
        metavar="mozilla|jdk|FILE",
        help="where the roots come from (default: mozilla)",
    )
    update.add_argument(
        "--remove-distrusted",
        action="store_true",
        help="also remove the roots the audit finds distrusted (never private roots)",
    )
    update.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    update.add_argument("-y", "--yes", action="store_true", help="do not ask before writing")
    update.add_argument("--json", action="store_true", help="print what was done as JSON")


def add_data_options(p: argparse.ArgumentParser) -> None:
    from sslpoke.commands.common import seconds

    sub = p.add_subparsers(dest="data_action", metavar="update|show", parser_class=type(p))
    update = sub.add_parser("update", help="fetch Mozilla's current root list from the CCADB")
    from sslpoke.data.ccadb import CCADB_MOZILLA_URL

    update.add_argument("--url", default=CCADB_MOZILLA_URL, help="the CCADB report to read")
    update.add_argument("--timeout", type=seconds, default=30.0, metavar="SECONDS")
    update.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="say which reference data sslpoke uses, and its date")
    show.add_argument("--json", action="store_true")


class _Audited(NamedTuple):
    audit: Any  # StoreAudit
    snapshot: Any  # RootSnapshot
    store: Any  # TrustStore
    chosen: Any  # ChosenStore


def _audit(args: argparse.Namespace) -> _Audited:
    from sslpoke.commands.common import store_request
    from sslpoke.data.roots import load_snapshot
    from sslpoke.java.rules import read_rules
    from sslpoke.storeaudit.audit import audit_store
    from sslpoke.truststore_choice import choose

    request = store_request(args)
    chosen = choose(request)
    home = chosen.java_home
    if home is None and chosen.bundle is None:  # a store named by path: the java on PATH judges
        from sslpoke.java.truststore import java_home_of, java_on_path

        on_path = java_on_path(dict(__import__("os").environ))
        home = java_home_of(on_path) if on_path is not None else None
    rules = read_rules(home, dict(chosen.jvm_properties))
    snapshot = load_snapshot()
    audit = audit_store(
        chosen.store,
        snapshot,
        ca_distrust=rules.ca_distrust,
        java=rules.describe(),
        expiring_days=getattr(args, "expiring_days", 365),
    )
    return _Audited(audit, snapshot, chosen.store, chosen)


def run_store(args: argparse.Namespace) -> int:
    if args.store_action == "audit":
        return _run_audit(args)
    if args.store_action == "update":
        return _run_update(args)
    raise UsageError("give 'sslpoke store audit' or 'sslpoke store update'")


def _finding_dict(f: Any) -> dict[str, object]:
    return {
        "category": f.category.value,
        "name": f.name,
        "sha256": f.sha256,
        "alias": f.alias,
        "message": f.message,
        "source": f.source,
        "programs": list(f.programs),
        "created": f.created.isoformat() if f.created else None,
        "not_after": f.not_after.isoformat() if f.not_after else None,
    }


def audit_dict(audit: Any) -> dict[str, object]:
    from sslpoke.storeaudit.audit import Category

    return {
        "schema_version": 1,
        "kind": "store-audit",
        "ok": audit.ok,
        "exit_code": audit.exit_code,
        "verdict": audit.verdict(),
        "truststore": audit.store,
        "location": audit.location,
        "entries": audit.entries,
        "java_rules": audit.java,
        "reference": audit.snapshot,
        "as_of": audit.as_of,
        "months_behind": audit.months_behind,
        "counts": {c.value: audit.count(c) for c in Category if audit.count(c)},
        "findings": [_finding_dict(f) for f in audit.findings],
    }


_TITLES = {
    "missing": "Missing roots",
    "distrusted": "Distrusted roots",
    "jdk-distrust-policy": "Covered by this Java's CA distrust policies",
    "expired": "Expired roots",
    "expiring": "Expiring soon",
    "weak-key": "Weak keys",
    "weak-signature": "Old signature algorithms",
    "duplicate": "Duplicates",
    "interception": "Interception roots (antivirus, proxies)",
    "local": "Local roots (in no root program)",
    "not-tls": "Not TLS roots",
    "not-mozilla": "Not in Mozilla's TLS list (the JDK still ships them)",
}


def _run_audit(args: argparse.Namespace) -> int:
    from sslpoke.report import console

    done = _audit(args)
    audit = done.audit
    endpoints = None
    if args.check_endpoints:
        endpoints = check_endpoints(Path(args.check_endpoints), done, timeout=args.timeout)
    if args.json:
        data = audit_dict(audit)
        if endpoints is not None:
            data["endpoints"] = endpoints
            if any(e["impact"] for e in endpoints):
                data["ok"], data["exit_code"] = False, 1
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 1 if data["exit_code"] else 0
    style = "ok" if audit.ok else "err"
    lines: list[Any] = [
        [
            ("✓ " if audit.ok else "✗ ", style),
            (audit.verdict()[0].upper() + audit.verdict()[1:], "bold"),
        ],
        [("  truststore ", "dim"), (audit.store, None)],
        [("  Java       ", "dim"), (audit.java or "none found", None)],
        [("  reference  ", "dim"), (audit.snapshot, None)],
    ]
    if audit.months_behind:
        lines.append(
            [
                ("  behind     ", "dim"),
                (
                    f"its newest Mozilla root was created {audit.newest_in_store:%Y-%m}; "
                    f"Mozilla's newest, {audit.newest_in_mozilla:%Y-%m}",
                    None,
                ),
            ]
        )
    current = None
    for f in audit.findings:
        if f.category.value != current:
            current = f.category.value
            n = audit.count(f.category)
            lines.append([])
            lines.append([(f"{_TITLES[current]} ({n})", "bold")])
        alias = f" [{f.alias}]" if f.alias else ""
        lines.append([("  • ", None), (f.name, "bold"), (alias, "cmd")])
        lines.append([("    ", None), (f.message, None)])
        extra = f"SHA-256 {f.sha256}"
        if f.created:
            extra += f"; created {f.created:%Y-%m-%d}, expires {f.not_after:%Y-%m-%d}"
        if f.programs:
            extra += f"; in: {', '.join(f.programs)}"
        if f.source:
            extra += f"; per {f.source}"
        lines.append([("    ", None), (extra, "dim")])
    if audit.count(_cat("missing")) or audit.count(_cat("distrusted")):
        lines.append([])
        flags = "".join(f"{a} " for a in _origin(done.chosen))
        lines.append(
            [
                ("Fix: ", "bold"),
                (
                    f"sslpoke store update {flags}--from mozilla"
                    + (" --remove-distrusted" if audit.count(_cat("distrusted")) else "")
                    + " --dry-run",
                    "cmd",
                ),
                ("  (then without --dry-run; a backup is kept)", "dim"),
            ]
        )
    code: int = audit.exit_code
    if endpoints is not None:
        lines.append([])
        lines.append([(f"Endpoints ({len(endpoints)})", "bold")])
        for e in endpoints:
            mark, st = ("✗ ", "err") if e["impact"] else ("✓ ", "ok")
            lines.append(
                [("  ", None), (mark, st), (str(e["target"]), "bold"), (f"  {e['says']}", None)]
            )
            if e["impact"]:
                code = 1
    console.write(lines)
    return code


def _cat(name: str) -> Any:
    from sslpoke.storeaudit.audit import Category

    return Category(name)


def _origin(chosen: Any) -> list[str]:
    import shlex

    return [shlex.quote(a) for a in chosen.origin_args]


def check_endpoints(path: Path, done: _Audited, *, timeout: float) -> list[dict[str, object]]:
    """Probe each endpoint with the audited store; say which chain to a root that is
    missing, distrusted or expiring."""
    import sslpoke
    from sslpoke.pki.certs import Cert, pem_blocks
    from sslpoke.report.model import Role
    from sslpoke.storeaudit.audit import Category
    from sslpoke.stores.load import read_file

    text = read_file(path, "endpoint list").decode("utf-8", "replace")
    targets = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    targets = [t for t in targets if t][:10_000]
    by_fp: dict[str, list[Any]] = {}
    for f in done.audit.findings:
        by_fp.setdefault(f.sha256, []).append(f)
    roots = list(done.snapshot.roots)
    out: list[dict[str, object]] = []
    for target in targets:
        entry: dict[str, object] = {"target": target, "impact": None}
        try:
            report = sslpoke.probe(target, truststore=done.store, timeout=timeout, reference=False)
        except Exception as exc:  # a bad line is one endpoint's problem, not the whole run's
            entry.update(says=f"not checked: {exc}", impact=None)
            out.append(entry)
            continue
        anchor = next((s.cert for s in report.path if s.role is Role.ANCHOR and s.cert), None)
        if anchor is not None:
            hits = [
                f
                for f in by_fp.get(anchor.sha256, [])
                if f.category in (Category.DISTRUSTED, Category.EXPIRED, Category.EXPIRING)
            ]
            if hits:
                entry.update(
                    impact=hits[0].category.value,
                    root=anchor.name,
                    says=f"chains to {anchor.name}: {hits[0].message}",
                )
            else:
                entry.update(root=anchor.name, says=f"chains to {anchor.name}: fine")
            out.append(entry)
            continue
        chain = [Cert(b) for c in report.chain for b in pem_blocks(c.pem.encode())]
        issuer = None
        for cert in reversed(chain):
            for ref in roots:
                if ref.cert.subject_key == cert.issuer_key and ref.cert.sha256 != cert.sha256:
                    try:
                        cert.x.verify_directly_issued_by(ref.cert.x)
                    except Exception:
                        continue
                    issuer = ref
                    break
            if issuer:
                break
        missing = issuer is not None and any(
            f.category is Category.MISSING for f in by_fp.get(issuer.cert.fingerprint, [])
        )
        if issuer is not None and missing:
            entry.update(
                impact="missing",
                root=issuer.cert.display_name,
                says=f"chains to {issuer.cert.display_name}, a root this truststore lacks",
            )
        else:
            codes = ", ".join(p.code.value for p in report.errors) or "not trusted"
            entry.update(says=f"not trusted ({codes}); not because of a missing program root")
        out.append(entry)
    return out


def _run_update(args: argparse.Namespace) -> int:
    from sslpoke.fix import _confirm, _restart_data, restart_notice
    from sslpoke.report import console
    from sslpoke.storeaudit.update import plan_update
    from sslpoke.stores import edit
    from sslpoke.stores.safe_write import replace_file, store_lock

    done = _audit(args)
    store = done.store
    if done.chosen.bundle is not None or store.path is None:
        raise UsageError(
            f"sslpoke does not write {store.location}; name the truststore with --truststore, "
            "--java or --app-dir"
        )
    path = store.path
    plan = plan_update(
        store,
        done.audit,
        done.snapshot,
        source=args.source,
        remove_distrusted=args.remove_distrusted,
    )
    record: dict[str, object] = {
        "schema_version": 1,
        "kind": "store-update",
        "truststore": str(path),
        "source": plan.source,
        "add": [{"alias": a, "name": c.display_name, "sha256": c.fingerprint} for c, a in plan.add],
        "remove": [
            {"alias": a, "name": c.display_name, "sha256": c.fingerprint} for c, a in plan.remove
        ],
        "written": False,
    }
    out = sys.stderr if args.json else sys.stdout
    lines: list[Any] = [[(f"Update {store.describe()} from {plan.source}", "bold")]]
    if path.resolve() == Path("/etc/ssl/certs/java/cacerts"):
        lines.append(
            [
                ("  note ", "warn"),
                (
                    "Debian's ca-certificates-java rebuilds this file on the next "
                    "update-ca-certificates: update a copy and name it with "
                    "-Djavax.net.ssl.trustStore instead",
                    None,
                ),
            ]
        )
    for cert, alias in plan.add:
        lines.append(
            [("  + ", "ok"), (alias, "cmd"), (f"  {cert.display_name}  {cert.fingerprint}", "dim")]
        )
    for cert, alias in plan.remove:
        lines.append(
            [("  - ", "err"), (alias, "cmd"), (f"  {cert.display_name}  {cert.fingerprint}", "dim")]
        )
    if not plan.add and not plan.remove:
        lines.append(
            [("Nothing to change: ", "ok"), ("the store has every root of the source.", None)]
        )
    console.write(lines, out)
    code = 0
    if (plan.add or plan.remove) and not args.dry_run:
        _confirm(f"Add {len(plan.add)} and remove {len(plan.remove)} entries in {path}?", args.yes)
        with store_lock(path):  # the whole read-modify-write, on the store as it is now
            current = edit.open_for_edit(path, done.chosen.password)
            content, added = edit.with_certificates(current, list(plan.add))
            current = current._replace(data=content)
            for _, alias in plan.remove:
                current = current._replace(data=edit.without_alias(current, alias))
            if current.data == edit.open_for_edit(path, done.chosen.password).data:
                console.write(
                    [[("Nothing changed: ", "ok"), ("another writer did it meanwhile.", None)]], out
                )
            else:
                written = replace_file(path, current.data)
                record.update(
                    written=True,
                    backup=str(written.backup),
                    added=[a for _, a in added],
                    restart=_restart_data(written.path),
                )
                console.write(
                    [
                        [
                            ("Updated. ", "ok"),
                            (f"wrote {written.path}; backup: {written.backup}", "dim"),
                        ]
                    ],
                    out,
                )
                console.write(restart_notice(path), out)
    elif args.dry_run:
        console.write([[("Dry run: nothing written.", "warn")]], out)
    record.update(ok=True, exit_code=code)
    if args.json:
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
    return code


def run_data(args: argparse.Namespace) -> int:
    from sslpoke.data import ccadb
    from sslpoke.data.roots import data_dir, load_snapshot

    if args.data_action == "update":
        result = ccadb.update(args.url, timeout=args.timeout)
        record = {
            "schema_version": 1,
            "kind": "data-update",
            "ok": True,
            "exit_code": 0,
            "path": str(result.path),
            "roots": result.rows,
            "fetched": result.fetched,
            "new_since_snapshot": [c.display_name for c in result.added],
            "gone_since_snapshot": [c.display_name for c in result.removed],
        }
        if args.json:
            sys.stdout.write(json.dumps(record, indent=2) + "\n")
        else:
            sys.stdout.write(
                f"Mozilla's list: {result.rows} TLS roots, fetched {result.fetched}, kept in "
                f"{result.path} (used from now on instead of the shipped snapshot).\n"
                f"  new since the shipped snapshot: {len(result.added)}; gone: {len(result.removed)}\n"
            )
        return 0
    if args.data_action == "show":
        snapshot = load_snapshot()
        record = {
            "schema_version": 1,
            "kind": "data",
            "reference": snapshot.source,
            "mozilla": snapshot.mozilla_source,
            "as_of": snapshot.as_of,
            "roots": len(snapshot.roots),
            "mozilla_roots": len(snapshot.in_program("MOZILLA")),
            "jdk_roots": len(snapshot.in_program("OPENJDK")),
            "data_dir": str(data_dir()),
        }
        if args.json:
            sys.stdout.write(json.dumps(record, indent=2) + "\n")
        else:
            for k, v in record.items():
                if k not in ("schema_version", "kind"):
                    sys.stdout.write(f"{k:14} {v}\n")
        return 0
    raise UsageError("give 'sslpoke data update' or 'sslpoke data show'")


__all__ = ["InputError", "add_data_options", "add_store_options", "run_data", "run_store"]


add_options = add_store_options  # the command table's names for `sslpoke store`
run = run_store
