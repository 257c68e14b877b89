"""An :class:`AuditReport` as text (a compact matrix), JSON, or testssl.sh-style CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from sslpoke.audit import wire
from sslpoke.audit.run import AuditReport
from sslpoke.audit.suites import GROUP_NAMES, SIGALG_NAMES, suites
from sslpoke.net.revocation import RevocationReport

SCHEMA = 1


def to_dict(r: AuditReport) -> dict[str, Any]:
    e = r.enumeration
    table = suites()
    return {
        "schema_version": SCHEMA,
        "kind": "audit",
        "ok": r.ok,
        "exit_code": r.exit_code,
        "target": r.target,
        "seconds": round(r.seconds, 3),
        "connections": e.connections,
        "protocols": {
            wire.VERSION_NAMES[v]: {
                "offered": res.offered,
                "server_order": res.server_order,
                "suites": [table[c].name for c in res.suites],
            }
            for v, res in sorted(e.versions.items())
        }
        | {"SSLv2": {"offered": e.sslv2, "server_order": None, "suites": []}},
        "tls13_groups": [GROUP_NAMES.get(g, hex(g)) for g in e.tls13_groups],
        "tls12_curves": [GROUP_NAMES.get(g, hex(g)) for g in e.tls12_curves],
        "dh_bits": e.dh_bits,
        "signature_algorithms": [SIGALG_NAMES.get(s, hex(s)) for s in e.sigalgs_seen],
        "requires_sha1_signature": e.requires_sha1_signature,
        "secure_renegotiation": e.secure_renegotiation,
        "session_resumption": e.session_resumption,
        "alpn": e.alpn,
        "certificates": {k: len(v) for k, v in e.certificates.items()},
        "trust": {"trusted": r.trusted, "codes": list(r.trust_codes), "java_rules": r.trust_java},
        "revocation": None
        if r.revocation is None
        else {
            "status": r.revocation.status,
            "stapled": r.revocation.staple,
            "must_staple": r.revocation.must_staple,
            "certificates": [
                {
                    "subject": c.subject,
                    "position": c.position,
                    "status": c.status,
                    "sources": [
                        {"status": s.status, "source": s.source, "detail": s.detail}
                        for s in c.statuses
                    ],
                }
                for c in r.revocation.certificates
            ],
            "scts": [
                {"log_id": s.log_id, "timestamp": s.timestamp.isoformat(), "where": s.where}
                for s in r.revocation.scts
            ],
            "java": "Java checks no revocation by default; it does not check CT",
        },
        "hsts": r.hsts,
        "javas": [j._asdict() for j in r.javas],
        "findings": [f._asdict() for f in r.findings],
        "grade": {
            "grade": r.grade.grade,
            "score": r.grade.score,
            "caps": list(r.grade.caps),
            "mozilla": r.grade.mozilla,
            "mozilla_gaps": list(r.grade.mozilla_gaps),
        },
    }


CSV_COLUMNS = ("id", "fqdn/ip", "port", "severity", "finding", "cve", "cwe", "hint")


def to_csv(r: AuditReport) -> str:
    """testssl.sh's CSV columns, so importers that read testssl.sh files read these;
    every cell safe to open in a spreadsheet (:mod:`sslpoke.report.csvcell`)."""
    from sslpoke.report.csvcell import row

    host, _, port = r.target.rpartition(":")
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in r.findings:
        w.writerow(row([f.id, host, port, f.severity, f.finding, f.cve, f.cwe, f.fix]))
    for j in r.javas:
        sev = "OK" if j.ok else "HIGH"
        w.writerow(
            row(
                [
                    f"java_{j.java.split(' at ')[0]}",
                    host,
                    port,
                    sev,
                    f"{j.java}: {j.reason}",
                    "",
                    "",
                    j.code,
                ]
            )
        )
    w.writerow(
        row(["overall_grade", host, port, "INFO", r.grade.grade, "", "", "; ".join(r.grade.caps)])
    )
    return out.getvalue()


def to_lines(r: AuditReport) -> list[list[tuple[str, str | None]]]:
    """The text report: the matrix (rows: protocol and suites; columns: the Javas)."""
    from sslpoke.audit.profiles import REFERENCE

    e = r.enumeration
    table = suites()
    lines: list[list[tuple[str, str | None]]] = []
    ok = r.ok
    lines.append(
        [
            ("✓ " if ok else "✗ ", "ok" if ok else "err"),
            (f"{r.target}: ", "bold"),
            (
                "every Java considered can connect"
                if ok
                else f"{sum(not j.ok for j in r.javas)} of {len(r.javas)} Javas cannot connect",
                "bold",
            ),
            (f"   grade {r.grade.grade}", "bold"),
            (f"  ({e.connections} connections, {r.seconds:.2f} s)", "dim"),
        ]
    )
    javas = list(r.javas)
    short = [j.java.removeprefix("Java ").split(" at ")[0][:10] for j in javas]
    width = max((len(s) for s in short), default=4) + 1
    header = " " * 48 + "".join(s.ljust(width) for s in short)
    lines.append([])
    lines.append([(header, "dim")])
    by_name = {p.name: p for p in (*REFERENCE, *r.profiles)}
    for v in sorted(e.versions, reverse=True):
        res = e.versions[v]
        if not res.offered:
            continue
        row = f"{wire.VERSION_NAMES[v]}".ljust(48)
        cells = []
        for j in javas:
            p = by_name.get(j.java)
            offered = p is None or v in p.protocols
            cells.append(("✓" if offered else "✗ proto").ljust(width))
        lines.append([(row, "bold"), ("".join(cells), None)])
        for code in res.suites:
            s = table[code]
            cells = []
            for j in javas:
                p = by_name.get(j.java)
                has = p is None or (v in p.protocols and s.name in p.suites)
                cells.append(("✓" if has else "✗").ljust(width))
            lines.append([("  " + s.name[:46].ljust(46), None), ("".join(cells), "dim")])
    verdict_cells = "".join(("✓" if j.ok else "✗").ljust(width) for j in javas)
    lines.append([("connects".ljust(48), "bold"), (verdict_cells, "bold")])
    lines.append([])
    for j in javas:
        style: str | None = "ok" if j.ok else "err"
        what = (
            f"{j.protocol}, {j.suite}" + (f", {j.group}" if j.group else "")
            if j.ok
            else f"{j.code}: {j.reason}"
        )
        lines.append([("  ✓ " if j.ok else "  ✗ ", style), (j.java, "bold"), ("  " + what, None)])
        if j.confirmed:
            lines.append([("      real handshake: ", "dim"), (j.confirmed, None)])
    groups = [GROUP_NAMES.get(g, hex(g)) for g in e.tls13_groups]
    curves = [GROUP_NAMES.get(g, hex(g)) for g in e.tls12_curves]
    lines.append([])
    facts = [
        ("TLS 1.3 groups", ", ".join(groups) or "-"),
        ("TLS 1.2 curves", ", ".join(curves) or "-"),
        ("DH", f"{e.dh_bits} bits" if e.dh_bits else "-"),
        ("signatures", ", ".join(SIGALG_NAMES.get(s, hex(s)) for s in e.sigalgs_seen) or "-"),
        ("renegotiation", {True: "secure", False: "not secure", None: "-"}[e.secure_renegotiation]),
        ("resumption", {True: "yes", False: "no", None: "-"}[e.session_resumption]),
        ("ALPN", e.alpn or "none"),
        (
            "revocation",
            "-" if r.revocation is None else _revocation_line(r.revocation),
        ),
        ("certificates", ", ".join(f"{k} ({len(v)})" for k, v in e.certificates.items()) or "-"),
        (
            "trust",
            ("trusted" if r.trusted else "NOT trusted: " + ", ".join(r.trust_codes))
            if r.trusted is not None
            else "-",
        ),
    ]
    for label, value in facts:
        lines.append([(f"  {label:15}", "dim"), (value, None)])
    if r.findings:
        lines.append([])
        lines.append([("Findings", "bold")])
        for f in r.findings:
            style = {
                "CRITICAL": "err",
                "HIGH": "err",
                "MEDIUM": "warn",
                "LOW": "warn",
            }.get(f.severity)
            lines.append([(f"  {f.severity:8} ", style), (f.finding, None)])
            if f.fix:
                lines.append([("           server: ", "dim"), (f.fix, "cmd")])
            if f.client_fix:
                lines.append([("           client: ", "dim"), (f.client_fix, "cmd")])
    lines.append([])
    g = r.grade
    lines.append(
        [
            ("Grade ", "bold"),
            (g.grade, "bold"),
            (f"  (score {g.score}" + (", " + "; ".join(g.caps) if g.caps else "") + ")", "dim"),
        ]
    )
    moz = (
        g.mozilla
        if g.mozilla != "none"
        else "neither modern nor intermediate: " + "; ".join(g.mozilla_gaps)
    )
    lines.append([("Mozilla TLS 6.0: ", "bold"), (moz, None)])
    return lines


def _revocation_line(rev: RevocationReport) -> str:
    """ "leaf: good; Some CA: revoked (stapled), 2 SCTs" or "not checked (no staple; ...)"."""
    extras = ["stapled" if rev.staple else "no staple"]
    if rev.must_staple:
        extras.append("must-staple")
    if not rev.statuses:
        extras.append("--revocation asks OCSP and CRLs")
    head = (
        "; ".join(
            f"{'leaf' if c.position == 0 else c.subject}: {c.status}" for c in rev.certificates
        )
        if rev.statuses
        else "not checked"
    )
    tail = f", {len(rev.scts)} SCTs" if rev.scts else ""
    return f"{head} ({'; '.join(extras)}){tail}"
