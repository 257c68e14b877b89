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
from sslpoke.pki.checks import Context, check_path
from sslpoke.pki.findings import Finding
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


def _untrusted_finding(cand: Candidate, self_signed: bool, builder: PathBuilder) -> Finding:
    top = len(cand.path) - 1
    last = cand.path[-1]
    passed_over = [(a, why) for a, why in builder.rejected if a.raw.subject == last.raw.issuer]
    renewed = [a for a, why in passed_over if why == "key"]
    if renewed and not cand.too_long:
        old = renewed[0]
        what = "was renewed" if self_signed else "comes from a CA whose key changed"
        return Finding(
            Code.CERTIFICATE_RENEWED,
            Severity.ERROR,
            top,
            f"is signed by a different key than the truststore's {old.display_name!r} "
            f"(SHA-256 {old.fingerprint[:23]}..., valid {old.not_before:%Y-%m-%d} to "
            f"{old.not_after:%Y-%m-%d}): the certificate {what}, and the truststore still "
            "trusts the old one",
        )
    if passed_over and not self_signed and not cand.too_long:
        anchor, why = passed_over[0]
        if why == "dates":
            when = (
                f"expired on {anchor.not_after:%Y-%m-%d}"
                if anchor.not_after < builder.at
                else f"is not valid before {anchor.not_before:%Y-%m-%d}"
            )
            return Finding(
                Code.UNKNOWN_CA,
                Severity.ERROR,
                top,
                f"is issued by the truststore's {anchor.display_name!r}, which {when}; the server "
                "sends its chain out of order, so Java builds the path itself and its builder skips "
                "trust anchors that are not valid now (send the chain in order, or renew the root)",
            )
        return Finding(
            Code.UNKNOWN_CA,
            Severity.ERROR,
            top,
            f"names its issuer's key identifier {(last.aki_key_id or b'').hex(':')}, but the "
            f"truststore's {anchor.display_name!r} has key identifier {(anchor.ski or b'').hex(':')}: "
            "Java does not chain them (Path does not chain with any of the trust anchors); "
            "the CA was probably re-keyed",
        )
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


def _java_validates_as_sent(leaf: Cert, intermediates: Sequence[Cert], anchors: AnchorSet) -> bool:
    """Does Java's PKIXValidator validate the chain as sent (rather than build a path)?

    It does when each certificate names the next as its issuer, up to one that is
    trusted (or has a trusted certificate's name and key), or up to the last one
    when a trusted certificate bears its issuer's name. Only then does it choose
    the anchor by the child's authorityKeyIdentifier; its path builder matches
    anchors by name and signature alone.
    """
    chain = [leaf, *intermediates]
    if leaf in anchors:
        return False
    for i in range(1, len(chain)):
        if chain[i].subject_key != chain[i - 1].issuer_key:
            return False
        if anchors.match(chain[i], same_key_counts=True) is not None:
            return True
    last = chain[-1]
    return bool(anchors.with_subject(last.raw.issuer, last.issuer_key))


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
    java_mode = ctx.profile.aki_must_match
    as_sent = java_mode and _java_validates_as_sent(leaf, intermediates, anchors)
    builder = PathBuilder(
        anchors,
        intermediates,
        at=ctx.at,
        max_depth=ctx.profile.max_depth if max_depth is None else max_depth,
        same_key_counts=not ctx.profile.check_anchor,
        aki_must_match=java_mode and as_sent,
        anchor_dates=java_mode and not as_sent,
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
            findings.insert(0, _untrusted_finding(cand, self_signed, builder))
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
