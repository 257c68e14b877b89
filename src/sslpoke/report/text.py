"""The human report: styled lines, with the same layout in colour and in plain text.

Lines are lists of ``(text, style)`` segments; :mod:`sslpoke.report.console`
prints them through rich on a terminal and as plain text everywhere else, so a
report pasted from a log reads exactly like the one on screen.
"""

from __future__ import annotations

from datetime import datetime

from sslpoke.problems import Problem, Severity
from sslpoke.report.model import JavaVerdict, PathStep, Report, Role

Segment = tuple[str, str | None]
Line = list[Segment]


def _date(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def render(report: Report, *, verbose: bool = False) -> list[Line]:
    lines: list[Line] = []
    lines += _headline(report)
    lines += _context(report)
    show_path = verbose or not report.ok
    if show_path and report.path:
        lines.append([])
        lines += _path(report)
    elif report.ok and report.path:
        names = " → ".join(s.cert.name for s in report.path if s.cert is not None)
        lines.append([("  path      ", "dim"), (names, None)])
    if report.problems:
        lines.append([])
        lines.append([("Problems:" if not report.ok else "Warnings:", "bold")])
        for problem in report.problems:
            lines += _problem(problem)
    primary = next((p for p in report.problems if p.is_error), None)
    if primary is not None:
        from sslpoke.diagnose.catalog import java_text  # only a failure needs the code table

        host = report.checked_name or (report.target or "").rpartition(":")[0].strip("[]") or None
        if java := java_text(primary.code, host):
            lines.append([])
            lines.append([("Java reports this as: ", "dim"), (java, "dim")])
    return lines


def _headline(report: Report) -> list[Line]:
    errors, warnings = len(report.errors), len(report.warnings)
    counts = ", ".join(
        x
        for x in (
            plural(errors, "error") if errors else "",
            plural(warnings, "warning") if warnings else "",
        )
        if x
    )
    subject = report.target or (report.chain[0].name if report.chain else "")
    if report.ok:
        first = "Successfully connected" if report.kind == "probe" else "Trusted"
        line: Line = [(first, "ok")]
        if warnings:
            line += [(f"  ({counts})", "warn")]
        return [line]
    if not report.connected:
        return [
            [("✗ COULD NOT CONNECT", "error"), (f"  {subject}", "bold"), (f"  {counts}", "dim")]
        ]
    return [[("✗ NOT TRUSTED", "error"), (f"  {subject}", "bold"), (f"  {counts}", "dim")]]


def _context(report: Report) -> list[Line]:
    out: list[Line] = []
    tls = report.tls
    if tls is not None:
        parts = [tls.peer, tls.version, tls.cipher]
        if tls.starttls:
            parts.insert(1, f"STARTTLS ({tls.starttls})")
        if tls.servername:
            parts.append(f"SNI {tls.servername}")
        out.append([("  server    ", "dim"), (" · ".join(parts), None)])
        if tls.greeting:
            out.append([("  greeting  ", "dim"), (tls.greeting[:100], None)])
        if tls.auth_before_tls is not None or tls.auth_after_tls is not None:
            before = " ".join(tls.auth_before_tls) if tls.auth_before_tls else "-"
            after = " ".join(tls.auth_after_tls) if tls.auth_after_tls else "-"
            out.append(
                [("  auth      ", "dim"), (f"before TLS: {before} · over TLS: {after}", None)]
            )
    checked = f"name {report.checked_name}" if report.checked_name else "no name check"
    out.append(
        [
            ("  checked   ", "dim"),
            (
                f"{checked} · profile {report.profile} · {report.at.strftime('%Y-%m-%d %H:%M UTC')}",
                None,
            ),
        ]
    )
    if report.java_rules:
        out.append([("  rules     ", "dim"), (report.java_rules, None)])
    store = report.truststore
    if store is not None:
        where = store.location + (f" → {store.resolved}" if store.resolved else "")
        out.append(
            [
                ("  truststore ", "dim"),
                (
                    f"{store.type.upper()} {where} · {plural(store.entries, 'entry', 'entries')}",
                    None,
                ),
            ]
        )
        out.append([("            ", None), (f"({store.origin})", "dim")])
        for note in store.notes:
            out.append([("            ", None), (f"note: {note}", "warn")])
    return out


def _cert_lines(step: PathStep, index: int, last: bool) -> list[Line]:
    cert = step.cert
    assert cert is not None
    branch = "└" if last else ("┌" if index == 0 else "├")
    mark = "✗ " if step.broken else ""
    where = f"sent [{cert.sent_index}]" if cert.sent_index is not None else step.note or "not sent"
    if step.role is Role.ANCHOR:
        where = step.note
    head: Line = [
        (f"  {branch} ", "dim"),
        (mark, "error"),
        (cert.name, "bold"),
        (f"   {step.role.value} · {where}", "dim"),
    ]
    pipe = "  " if last else "│ "
    body = [
        ("subject ", cert.subject),
        ("issuer  ", cert.issuer),
        ("valid   ", f"{_date(cert.not_before)} → {_date(cert.not_after)}"),
        ("sha256  ", cert.sha256),
        (
            "key     ",
            cert.key
            + (
                f" · SAN {', '.join(cert.san[:4])}" + (" …" if len(cert.san) > 4 else "")
                if cert.san
                else ""
            ),
        ),
        ("signed  ", cert.signature_algorithm),
    ]
    out = [head]
    for label, value in body:
        out.append([(f"  {pipe}    ", "dim"), (label, "dim"), (value, None)])
    if step.broken and step.role is not Role.ANCHOR and step.note and cert.sent_index is not None:
        out.append([(f"  {pipe}    ", "dim"), ("✗ ", "error"), (step.note, "error")])
    return out


def _path(report: Report) -> list[Line]:
    out: list[Line] = [[("Certification path (leaf first):", "bold")]]
    steps = list(report.path)
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if step.role is Role.MISSING:
            out.append([("  └ ", "dim"), ("✗ missing: ", "error"), (step.note, "error")])
            continue
        out += _cert_lines(step, i, last)
    unused = [c for c in report.chain if c.sha256 not in {s.cert.sha256 for s in steps if s.cert}]
    for cert in unused:
        out.append(
            [
                ("    also sent: ", "dim"),
                (f"[{cert.sent_index}] {cert.name}", None),
                (" (not part of the path)", "dim"),
            ]
        )
    return out


def _problem(problem: Problem) -> list[Line]:
    error = problem.severity is Severity.ERROR
    mark, style = ("✗", "error") if error else ("!", "warn")
    out: list[Line] = [
        [(f"  {mark} ", style), (problem.code.value, style), ("  ", None), (problem.message, None)]
    ]
    out.append([("      fix: ", "dim"), (problem.fix, None)])
    for command in problem.commands:
        out.append([("      $ ", "dim"), (command, "cmd")])
    return out


def plain(lines: list[Line]) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines) + "\n"


def java_confirmation(java: JavaVerdict, sslpoke_ok: bool) -> list[Line]:
    """The JVM's own verdict under sslpoke's, and whether they agree."""
    who = f"{java.java} ({java.version or 'version unknown'}, {java.mode} mode)"
    verdict = f"Successfully connected ({java.detail})" if java.ok else java.detail
    lines: list[Line] = [
        [],
        [("Java's own verdict: ", "bold"), (who, "dim")],
        [("  ", None), (verdict, "ok" if java.ok else "error")],
    ]
    if java.note:
        lines.append([("  note: ", "dim"), (java.note, "warn")])
    if java.ok == sslpoke_ok:
        lines.append([("  ✓ Java agrees with sslpoke", "ok")])
    else:
        lines.append([("  ✗ DISAGREEMENT: this is a bug in sslpoke, please report it", "error")])
    return lines
