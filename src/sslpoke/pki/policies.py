"""Certificate policy processing (RFC 5280 section 6.1), as Java's PolicyChecker does it.

Only what decides a verdict is kept: the set of valid policies (the policy
tree's leaves), ``explicit_policy`` and ``inhibit_anyPolicy``, with policy
mappings applied one level at a time. The path is ``leaf, ..., top`` without the
trust anchor (Java's TrustAnchor carries no policies). With no
requireExplicitPolicy anywhere, a path never fails here, whatever its policies.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.x509.oid import CertificatePoliciesOID

from sslpoke.pki.certs import Cert

ANY = CertificatePoliciesOID.ANY_POLICY.dotted_string
MAX_POLICIES = 64  # per certificate: a hostile certificate cannot make the sets large


def _policies(cert: Cert) -> set[str] | None:
    value = cert.ext_value(x509.CertificatePolicies)
    if value is None:
        return None
    return {p.policy_identifier.dotted_string for p in list(value)[:MAX_POLICIES]}


def _mappings(cert: Cert) -> dict[str, set[str]]:
    value = cert.ext_value(x509.PolicyMappings) if hasattr(x509, "PolicyMappings") else None
    out: dict[str, set[str]] = {}
    for m in list(value or [])[:MAX_POLICIES]:
        out.setdefault(m.issuer_domain_policy.dotted_string, set()).add(
            m.subject_domain_policy.dotted_string
        )
    return out


def check_policies(path: Sequence[Cert]) -> list[tuple[int, str]]:
    """``(position, detail)`` when the path fails policy processing, else nothing."""
    n = len(path)
    if not any(c.ext_value(x509.PolicyConstraints) for c in path):
        return []
    explicit = n + 1
    inhibit_any = n + 1
    valid: set[str] | None = {ANY}
    for step, pos in enumerate(range(n - 1, -1, -1), start=1):
        cert = path[pos]
        leaf = pos == 0
        self_issued_ca = cert.self_issued and not leaf
        policies = _policies(cert)
        if valid is not None:
            if policies is None:
                valid = None
            else:
                any_ok = ANY in policies and (inhibit_any > 0 or (self_issued_ca and step < n))
                named = policies - {ANY}
                if ANY in valid:
                    valid = set(named) | ({ANY} if any_ok else set())
                else:
                    valid = valid & named if not any_ok else set(valid)
                if not valid:
                    valid = None
        if explicit == 0 and valid is None:
            return [
                (
                    pos,
                    "carries no certificate policy that the CAs above it require "
                    "(Java: non-null policy tree required and policy tree is null)",
                )
            ]
        if leaf:
            if explicit > 0:
                explicit -= 1
            pc = cert.ext_value(x509.PolicyConstraints)
            if pc is not None and pc.require_explicit_policy == 0:
                explicit = 0
            if explicit == 0 and valid is None:
                return [(pos, "carries no certificate policy that the CAs above it require")]
            break
        mappings = _mappings(cert)
        if mappings and valid is not None:
            mapped: set[str] = set()
            for policy in valid:
                mapped |= mappings.get(policy, {policy})
            valid = mapped
        if not cert.self_issued:
            explicit = max(explicit - 1, 0)
            inhibit_any = max(inhibit_any - 1, 0)
        pc = cert.ext_value(x509.PolicyConstraints)
        if pc is not None and pc.require_explicit_policy is not None:
            explicit = min(explicit, pc.require_explicit_policy)
        inhibit = cert.ext_value(x509.InhibitAnyPolicy)
        if inhibit is not None:
            inhibit_any = min(inhibit_any, inhibit.skip_certs)
    return []
