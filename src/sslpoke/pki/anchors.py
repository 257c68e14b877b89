"""Trust anchors, indexed for the path builder.

Any certificate in a truststore is an anchor, as in Java: a root, an
intermediate, or a server's own (pinned) certificate. Lookups go by the exact
DER bytes of the subject first, falling back to RFC 5280 name comparison.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, NamedTuple

from sslpoke.pki.certs import Cert


class Anchor(NamedTuple):
    cert: Cert
    alias: str | None = None  # the keystore alias, when the store has aliases

    @property
    def is_jdk_ca(self) -> bool:
        """Java's ``jdkCA`` constraint applies to cacerts aliases containing ``[jdk``."""
        return self.alias is not None and "[jdk" in self.alias.lower()


class AnchorSet:
    def __init__(self, anchors: Iterable[Anchor]) -> None:
        self._anchors: list[Anchor] = []
        self._by_fingerprint: dict[bytes, Anchor] = {}
        self._by_subject: dict[bytes, list[Anchor]] = defaultdict(list)
        for anchor in anchors:
            if anchor.cert.sha256 in self._by_fingerprint:
                continue
            self._anchors.append(anchor)
            self._by_fingerprint[anchor.cert.sha256] = anchor
            self._by_subject[anchor.cert.raw.subject].append(anchor)

    def __len__(self) -> int:
        return len(self._anchors)

    def __iter__(self) -> Iterator[Anchor]:
        return iter(self._anchors)

    def __contains__(self, cert: object) -> bool:
        return isinstance(cert, Cert) and cert.sha256 in self._by_fingerprint

    @cached_property
    def _by_subject_key(self) -> dict[tuple[Any, ...], list[Anchor]]:
        index: dict[tuple[Any, ...], list[Anchor]] = defaultdict(list)
        for anchor in self._anchors:
            index[anchor.cert.subject_key].append(anchor)
        return index

    def with_subject(self, raw_name: bytes, key: tuple[Any, ...] | None = None) -> list[Anchor]:
        """Anchors whose subject equals a name (exact bytes, else RFC 5280 comparison)."""
        found = self._by_subject.get(raw_name)
        if found:
            return list(found)
        if key is None:
            return []
        return list(self._by_subject_key.get(key, ()))

    def issuers_of(self, cert: Cert) -> list[Anchor]:
        found = self._by_subject.get(cert.raw.issuer)
        if found:
            return list(found)
        return list(self._by_subject_key.get(cert.issuer_key, ()))

    def match(self, cert: Cert, *, same_key_counts: bool) -> Anchor | None:
        """The anchor that *is* this certificate.

        With ``same_key_counts`` (Java), a certificate with the subject and public
        key of an anchor counts too: this is how Java accepts a chain that still
        carries an old cross-signed copy of a root it trusts.
        """
        exact = self._by_fingerprint.get(cert.sha256)
        if exact is not None or not same_key_counts:
            return exact
        for anchor in self.with_subject(cert.raw.subject):
            if anchor.cert.raw.spki == cert.raw.spki:
                return anchor
        return None
