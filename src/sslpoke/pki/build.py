"""Path building: from the leaf through the certificates on hand to a trust anchor.

A depth-first search in the spirit of RFC 4158. The server's certificates may
come in any order, with extras; any truststore certificate ends a path. At each
step trust anchors are tried first, then candidates whose subjectKeyIdentifier
matches the child's authorityKeyIdentifier, then those valid now, newest
first. Edges whose signature does not verify are explored only after every
good edge, and only to explain a failure.

The search is bounded three ways, so a hostile chain cannot make it slow: the
depth (intermediates that are not self-issued), a never-revisited
(subject, key) pair per path, and a budget of signature checks and expansions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sslpoke.pki.anchors import Anchor, AnchorSet
from sslpoke.pki.certs import Cert
from sslpoke.pki.signature import Sig, check_signature

MAX_SIGNATURE_CHECKS = 256
MAX_EXPANSIONS = 1024
MAX_PATH_CERTS = 24


class Candidate(NamedTuple):
    """One path found: ``links[i]`` is how ``path[i]``'s signature checked out against ``path[i+1]``."""

    path: tuple[Cert, ...]
    links: tuple[Sig, ...]
    anchor: Anchor | None
    too_long: bool = False


class PathBuilder:
    def __init__(
        self,
        anchors: AnchorSet,
        pool: Sequence[Cert],
        *,
        at: datetime,
        max_depth: int,
        same_key_counts: bool,
        aki_must_match: bool = False,
        anchor_dates: bool = False,
    ) -> None:
        self.anchors = anchors
        self.aki_must_match = aki_must_match
        self.anchor_dates = anchor_dates
        #: Trust anchors passed over, and why ("aki" or "dates"), for the report.
        self.rejected: list[tuple[Cert, str]] = []
        self.at = at
        self.max_depth = max_depth
        self.same_key_counts = same_key_counts
        self.pool: list[Cert] = []
        seen: set[bytes] = set()
        for cert in pool:
            if cert.sha256 not in seen and cert not in anchors:
                seen.add(cert.sha256)
                self.pool.append(cert)
        self._by_subject: dict[bytes, list[Cert]] = defaultdict(list)
        for cert in self.pool:
            self._by_subject[cert.raw.subject].append(cert)
        self._by_subject_key: dict[tuple[Any, ...], list[Cert]] | None = None
        self._sigs: dict[tuple[bytes, bytes], Sig] = {}
        self.signature_checks = 0
        self.expansions = 0
        self.exhausted = False

    # --- helpers -------------------------------------------------------------

    def signature(self, child: Cert, issuer: Cert) -> Sig:
        key = (child.sha256, issuer.raw.spki)
        found = self._sigs.get(key)
        if found is None:
            if self.signature_checks >= MAX_SIGNATURE_CHECKS:
                self.exhausted = True
                return Sig.UNSUPPORTED
            self.signature_checks += 1
            found = self._sigs[key] = check_signature(child, issuer)
        return found

    def self_signed(self, cert: Cert) -> bool:
        return cert.self_issued and self.signature(cert, cert) is Sig.OK

    def _pool_issuers(self, cert: Cert) -> list[Cert]:
        found = self._by_subject.get(cert.raw.issuer)
        if found:
            return found
        if self._by_subject_key is None:
            self._by_subject_key = defaultdict(list)
            for c in self.pool:
                self._by_subject_key[c.subject_key].append(c)
        return self._by_subject_key.get(cert.issuer_key, [])

    def _rank(self, child: Cert, cand: Cert, is_anchor: bool) -> tuple[int, int, int, float]:
        aki, ski = child.aki_key_id, cand.ski
        key_rank = 1 if aki is None or ski is None else (0 if aki == ski else 2)
        valid_now = cand.not_before <= self.at <= cand.not_after
        return (
            0 if is_anchor else 1,
            key_rank,
            0 if valid_now else 1,
            -cand.not_before.timestamp(),
        )

    def _candidates(self, cert: Cert) -> list[tuple[Cert, Anchor | None]]:
        found: list[tuple[Cert, Anchor | None]] = [
            (a.cert, a) for a in self.anchors.issuers_of(cert)
        ]
        found += [(c, None) for c in self._pool_issuers(cert) if c.sha256 != cert.sha256]
        aki = cert.aki_key_id
        if self.aki_must_match and aki is not None:
            # Java selects the trust anchor by the child's AKI (a sent issuer is only
            # checked by its signature).
            kept = [(c, a) for c, a in found if a is None or c.ski is None or c.ski == aki]
            for c, a in found:
                if (c, a) not in kept:  # its key also fails the signature: renewed or re-keyed
                    bad_key = c.raw.spki != cert.raw.spki and self.signature(cert, c) is Sig.BAD
                    self.rejected.append((c, "key" if bad_key else "aki"))
            found = kept
        if self.anchor_dates:
            # Java's path builder only takes trust anchors valid at the validation time.
            kept = [(c, a) for c, a in found if a is None or c.not_before <= self.at <= c.not_after]
            self.rejected.extend((c, "dates") for c, a in found if (c, a) not in kept)
            found = kept
        found.sort(key=lambda pair: self._rank(cert, pair[0], pair[1] is not None))
        return found

    # --- search --------------------------------------------------------------

    def paths(self, leaf: Cert) -> Iterator[Candidate]:
        """Candidate paths, most promising first. Stop iterating once one suits."""
        pinned = self.anchors.match(leaf, same_key_counts=self.same_key_counts)
        if pinned is not None:
            yield Candidate((leaf,), (), pinned)
        yield from self._extend((leaf,), (), {(leaf.raw.subject, leaf.raw.spki)}, 0)

    def _extend(
        self,
        path: tuple[Cert, ...],
        links: tuple[Sig, ...],
        seen: set[tuple[bytes, bytes]],
        depth: int,
    ) -> Iterator[Candidate]:
        self.expansions += 1
        if self.expansions > MAX_EXPANSIONS:
            self.exhausted = True
        if self.exhausted:
            return
        cert = path[-1]
        options = [
            (cand, anchor)
            for cand, anchor in self._candidates(cert)
            if anchor is not None or (cand.raw.subject, cand.raw.spki) not in seen
        ]
        deferred: list[tuple[Cert, Anchor | None, Sig]] = []
        yielded = False
        for cand, anchor in options:
            sig = self.signature(cert, cand)
            if sig is Sig.OK:
                for found in self._step(path, links, seen, depth, cand, anchor, sig):
                    yielded = True
                    yield found
            elif anchor is not None and sig is Sig.BAD and self._renewed(cert, cand):
                self.rejected.append((cand, "key"))
            else:
                deferred.append((cand, anchor, sig))
        for cand, anchor, sig in deferred:
            if self.exhausted:
                return
            for found in self._step(path, links, seen, depth, cand, anchor, sig):
                yielded = True
                yield found
        if not yielded:
            yield Candidate(path, links, None)

    def _renewed(self, child: Cert, old: Cert) -> bool:
        """``old`` bears the issuer's name but another key: the child is validly
        self-signed (a renewed self-signed certificate), or names another key in its
        authorityKeyIdentifier (a re-keyed CA). Not a corrupt signature."""
        if child.raw.spki == old.raw.spki:
            return False
        if child.self_issued and self.signature(child, child) is Sig.OK:
            return True
        aki, ski = child.aki_key_id, old.ski
        return aki is not None and ski is not None and aki != ski

    def _step(
        self,
        path: tuple[Cert, ...],
        links: tuple[Sig, ...],
        seen: set[tuple[bytes, bytes]],
        depth: int,
        cand: Cert,
        anchor: Anchor | None,
        sig: Sig,
    ) -> Iterator[Candidate]:
        new_path, new_links = (*path, cand), (*links, sig)
        if anchor is None and self.same_key_counts:
            anchor = self.anchors.match(cand, same_key_counts=True)
        if anchor is not None:
            yield Candidate(new_path, new_links, anchor)
            return
        new_depth = depth + (0 if cand.self_issued else 1)
        if new_depth > self.max_depth or len(new_path) >= MAX_PATH_CERTS:
            yield Candidate(new_path, new_links, None, too_long=True)
            return
        yield from self._extend(
            new_path, new_links, seen | {(cand.raw.subject, cand.raw.spki)}, new_depth
        )
