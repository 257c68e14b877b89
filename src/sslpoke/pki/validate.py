"""Path validation: the first path that passes every rule wins; else the closest.

"Closest" means: a path that reaches a trust anchor with the fewest errors; if
none reaches one, the longest path, ending where an issuer is missing. Its
findings explain the failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sslpoke.pki.anchors import Anchor, AnchorSet
from sslpoke.pki.build import Candidate, PathBuilder
from sslpoke.pki.certs import Cert
from sslpoke.pki.checks import Context, Finding, check_path
from sslpoke.pki.signature import Sig
from sslpoke.problems import Code, Severity

MAX_CANDIDATES = 64


class PathResult(NamedTuple):
    path: tuple[Cert, ...]
    links: tuple[Sig, ...]
    anchor: Anchor | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return self.anchor is not None and not self.errors


class Validation(NamedTuple):
    ok: bool
    best: PathResult
    candidates: int
    exhausted: bool  # the search budget ran out before every path was tried
    top_self_signed: bool  # the closest path ends at a self-signed certificate


def _untrusted_finding(cand: Candidate, self_signed: bool) -> Finding:
    top = len(cand.path) - 1
    last = cand.path[-1]
    if cand.too_long:
        return Finding(
            Code.CHAIN_TOO_LONG,
            Severity.ERROR,
            top,
            "would need a longer path to a trusted root than allowed",
        )
    if self_signed:
        code = Code.SELF_SIGNED if top == 0 else Code.UNKNOWN_CA
        return Finding(code, Severity.ERROR, top, "is self-signed and not in the truststore")
    code = Code.INCOMPLETE_CHAIN if top == 0 else Code.UNKNOWN_CA
    return Finding(
        code,
        Severity.ERROR,
        top,
        f"has an issuer, {last.issuer_display_name!r}, that is neither in the truststore nor sent",
    )


def _score(result: PathResult) -> tuple[int, int, int]:
    if result.anchor is not None:
        return (0, len(result.errors), len(result.path))
    return (1, len(result.errors), -len(result.path))


def validate(
    leaf: Cert,
    intermediates: Sequence[Cert],
    anchors: AnchorSet,
    ctx: Context,
    *,
    max_depth: int | None = None,
) -> Validation:
    """Find a valid path for ``leaf``, or the one that comes closest."""
    builder = PathBuilder(
        anchors,
        intermediates,
        at=ctx.at,
        max_depth=ctx.profile.max_depth if max_depth is None else max_depth,
        same_key_counts=not ctx.profile.check_anchor,
    )
    best: PathResult | None = None
    best_self_signed = False
    count = 0
    for cand in builder.paths(leaf):
        count += 1
        findings = check_path(cand.path, cand.links, cand.anchor, ctx)
        self_signed = False
        if cand.anchor is None:
            self_signed = not cand.too_long and builder.self_signed(cand.path[-1])
            findings.insert(0, _untrusted_finding(cand, self_signed))
        result = PathResult(cand.path, cand.links, cand.anchor, tuple(findings))
        if result.ok:
            return Validation(True, result, count, builder.exhausted, False)
        if best is None or _score(result) < _score(best):
            best, best_self_signed = result, self_signed
        if count >= MAX_CANDIDATES:
            break
    if best is None:  # the budget ran out before a single path was complete
        gave_up = Finding(
            Code.CHAIN_TOO_LONG,
            Severity.ERROR,
            0,
            "path search gave up: too many candidate certificates (a possible denial-of-service chain)",
        )
        best = PathResult((leaf,), (), None, (gave_up,))
    return Validation(False, best, count, builder.exhausted, best_self_signed)
