"""Is this Java truststore out of date, missing roots, or trusting what it shouldn't?

A truststore is compared, certificate by certificate, with the root programs'
lists (:mod:`sslpoke.data.roots`) and with the JDK's CA distrust policies of the
Java that uses it. Each finding says what it means *for Java*, which differs
from what it means for a browser: Java never checks an anchor's dates or its
self-signature (an expired root still anchors a valid path — measured on
OpenJDK 17 and Temurin 25), it does not apply Mozilla's "distrust after" dates,
and it refuses new certificates only under the roots its own
``jdk.security.caDistrustPolicies`` names.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from sslpoke.data.roots import PROGRAMS, ReferenceRoot, RootSnapshot
from sslpoke.pki.certs import Cert
from sslpoke.stores.model import EntryKind, StoreType, TrustStore


class Category(StrEnum):
    MISSING = "missing"  # a TLS root of Mozilla or the JDK that the store lacks
    DISTRUSTED = "distrusted"  # Mozilla distrusts it (distrust-after, constraints, or removed)
    JDK_POLICY = "jdk-distrust-policy"  # this JVM's caDistrustPolicies cover it
    EXPIRED = "expired"
    EXPIRING = "expiring"
    WEAK_KEY = "weak-key"
    WEAK_SIGNATURE = "weak-signature"
    DUPLICATE = "duplicate"
    INTERCEPTION = "interception"
    LOCAL = "local"  # in no root program: a private or enterprise root
    NOT_TLS = "not-tls"  # its EKU does not allow server authentication
    NOT_MOZILLA = "not-mozilla"  # the JDK ships it, Mozilla does not include it for TLS


#: Categories that make ``sslpoke store audit`` exit 1.
FAILING = frozenset({Category.MISSING, Category.DISTRUSTED})


class StoreFinding(NamedTuple):
    category: Category
    name: str  # the certificate's display name
    sha256: str  # colon-separated, as keytool -list prints it
    message: str
    alias: str | None = None
    source: str = ""  # "Mozilla's list as of 2026-10 (cryptodatahub 1.6.1)", "the JDK's ..."
    programs: tuple[str, ...] = ()  # the programs that include it, by display name
    not_after: date | None = None
    created: date | None = None  # the certificate's notBefore: roots carry no inclusion date


class StoreAudit(NamedTuple):
    store: str  # "JKS /etc/ssl/certs/java/cacerts (146 entries)"
    location: str
    entries: int
    java: str | None  # whose distrust policies were applied ("Java 17.0.15 (Debian) at ...")
    snapshot: str  # the reference data and its date
    as_of: str
    findings: tuple[StoreFinding, ...]
    months_behind: int | None  # None: nothing missing from Mozilla's list
    newest_in_store: date | None  # the creation date of the store's newest Mozilla root
    newest_in_mozilla: date | None

    @property
    def ok(self) -> bool:
        return not any(f.category in FAILING for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def count(self, category: Category) -> int:
        return sum(1 for f in self.findings if f.category is category)

    def verdict(self) -> str:
        """The short verdict printed first."""
        missing, distrusted = self.count(Category.MISSING), self.count(Category.DISTRUSTED)
        parts = []
        if self.months_behind is not None and self.months_behind > 0:
            parts.append(f"this truststore is about {self.months_behind} months behind Mozilla")
        elif missing:
            parts.append("this truststore lacks some current roots")
        else:
            parts.append("this truststore has every current TLS root")
        parts.append(f"{missing} {'root' if missing == 1 else 'roots'} missing")
        parts.append(f"{distrusted} distrusted")
        return f"{parts[0]}; {', '.join(parts[1:])} (as of {self.as_of})"


def _fp(cert: Cert) -> str:
    return cert.fingerprint


def _names(programs: frozenset[str]) -> tuple[str, ...]:
    return tuple(PROGRAMS.get(p, p) for p in sorted(programs, key=list(PROGRAMS).index))


def _months(a: date, b: date) -> int:
    return max(0, (b.year - a.year) * 12 + b.month - a.month)


def audit_store(
    store: TrustStore,
    snapshot: RootSnapshot,
    *,
    ca_distrust: frozenset[str] = frozenset(),
    java: str | None = None,
    now: datetime | None = None,
    expiring_days: int = 365,
) -> StoreAudit:
    """Compare ``store`` with the root programs in ``snapshot``.

    ``ca_distrust``: the ``jdk.security.caDistrustPolicies`` of the Java that uses the
    store (see :func:`sslpoke.java.rules.read_rules`); ``java`` names that Java.
    """
    from sslpoke.data.jdk_distrust import POLICIES
    from sslpoke.diagnose import interception

    now = now or datetime.now(UTC)
    today = now.date()
    by_fp = snapshot.by_sha256()
    by_key = snapshot.by_subject_key()
    findings: list[StoreFinding] = []
    mozilla_source = snapshot.mozilla_source
    jdk_source = f"the JDK's cacerts as of {snapshot.as_of} ({snapshot.source})"

    entries = [e for e in store.entries if e.kind is EntryKind.TRUSTED or e.cert.is_ca]
    seen: Counter[bytes] = Counter(e.cert.sha256 for e in store.entries)
    have_keys = {(e.cert.subject_key, e.cert.spki_sha256) for e in store.entries}
    reported_duplicate: set[bytes] = set()

    def add(category: Category, cert: Cert, message: str, **kw: object) -> None:
        findings.append(
            StoreFinding(
                category,
                cert.display_name,
                _fp(cert),
                message,
                created=cert.not_before.date(),
                not_after=cert.not_after.date(),
                **kw,  # type: ignore[arg-type]
            )
        )

    for entry in entries:
        cert, alias = entry.cert, entry.alias
        ref: ReferenceRoot | None = by_fp.get(cert.sha256) or by_key.get(
            (cert.subject_key, cert.spki_sha256)
        )
        programs = _names(ref.programs) if ref else ()
        # -- the root programs ------------------------------------------------------------
        if ref is not None and ref.mozilla and (ref.distrust_after or ref.domains):
            if ref.distrust_after:
                policy = next(
                    (p for p in POLICIES.values() if cert.sha256.hex().upper() in p.fingerprints),
                    None,
                )
                if policy is not None and policy.name in ca_distrust:
                    java_says = (
                        f"this Java's {policy.name} policy refuses its TLS certificates issued "
                        f"after {policy.after:%Y-%m-%d}"
                    )
                else:
                    java_says = (
                        "Java keeps trusting certificates it issues after that date (no JDK "
                        "distrust policy covers it here)"
                    )
                message = (
                    f"Mozilla distrusts TLS certificates it issued after "
                    f"{ref.distrust_after:%Y-%m-%d}; {java_says}"
                )
            else:
                message = (
                    f"Mozilla trusts it only for {', '.join(ref.domains)}; Java trusts it for "
                    "every name"
                )
            add(
                Category.DISTRUSTED,
                cert,
                message,
                alias=alias,
                source=mozilla_source,
                programs=programs,
            )
        elif ref is not None and not ref.mozilla and not ref.jdk:
            add(
                Category.DISTRUSTED,
                cert,
                "not in Mozilla's TLS list nor in the JDK's cacerts (removed, or never "
                f"included for TLS); still included by: {', '.join(programs) or 'no program'}",
                alias=alias,
                source=mozilla_source,
                programs=programs,
            )
        elif ref is not None and not ref.mozilla:
            add(
                Category.NOT_MOZILLA,
                cert,
                "the JDK ships it, but Mozilla does not include it for TLS",
                alias=alias,
                source=mozilla_source,
                programs=programs,
            )
        elif ref is None:
            add(
                Category.LOCAL,
                cert,
                "in no root program: a private or enterprise root (or a public one removed "
                "from every program); keep it if your own servers chain to it",
                alias=alias,
                source=snapshot.source,
            )
        # -- this JVM's distrust policies -----------------------------------------------------
        for policy in POLICIES.values():
            if cert.sha256.hex().upper() in policy.fingerprints:
                active = policy.name in ca_distrust
                add(
                    Category.JDK_POLICY,
                    cert,
                    (
                        f"jdk.security.caDistrustPolicies {policy.name}: "
                        + (
                            f"this Java refuses TLS certificates under it issued after "
                            f"{policy.after:%Y-%m-%d} ('TLS Server certificate issued after "
                            f"{policy.after:%Y-%m-%d} and anchored by a distrusted legacy "
                            f"{policy.label} root CA')"
                            if active
                            else "the policy is turned off in this Java, so it is trusted "
                            "for every certificate"
                        )
                    ),
                    alias=alias,
                    source="the JDK's sun.security.validator CA distrust policies",
                    programs=programs,
                )
        # -- the certificate itself --------------------------------------------------------
        if cert.not_after.date() < today:
            add(
                Category.EXPIRED,
                cert,
                f"expired {cert.not_after:%Y-%m-%d}: Java still accepts it as an anchor (it "
                "does not date-check anchors), but OpenSSL, Python and curl clients sharing a "
                "PEM copy refuse it; servers still chaining to it need a new chain",
                alias=alias,
                programs=programs,
            )
        elif cert.not_after.date() < today + timedelta(days=expiring_days):
            add(
                Category.EXPIRING,
                cert,
                f"expires {cert.not_after:%Y-%m-%d}, within {expiring_days} days",
                alias=alias,
                programs=programs,
            )
        if cert.key_type == "RSA" and cert.key_bits < 2048:
            add(
                Category.WEAK_KEY,
                cert,
                f"RSA {cert.key_bits}-bit key: Java refuses paths through it "
                "(jdk.certpath.disabledAlgorithms: RSA keySize < 1024) or soon will",
                alias=alias,
                programs=programs,
            )
        sig = (cert.signature_hash or "").lower()
        if sig in ("sha1", "md5", "md2"):
            add(
                Category.WEAK_SIGNATURE,
                cert,
                f"self-signed with {sig.upper()}: harmless to Java (it never checks an anchor's "
                "own signature), but a sign of a very old root",
                alias=alias,
                programs=programs,
            )
        if seen[cert.sha256] > 1 and cert.sha256 not in reported_duplicate:
            reported_duplicate.add(cert.sha256)
            aliases = [e.alias or "?" for e in store.entries if e.cert.sha256 == cert.sha256]
            add(
                Category.DUPLICATE,
                cert,
                f"the same certificate {seen[cert.sha256]} times (aliases {', '.join(aliases)})",
                alias=alias,
                programs=programs,
            )
        match = interception.find([cert])
        if match is not None:
            add(
                Category.INTERCEPTION,
                cert,
                f"the root of {match.product.product} ({match.product.vendor}): every TLS "
                "connection through it can be read; remove it unless this machine must trust "
                "that product",
                alias=alias,
                programs=programs,
            )
        eku = cert.eku
        if eku is not None:
            from cryptography.x509.oid import ExtendedKeyUsageOID

            oids = set(eku)
            if (
                ExtendedKeyUsageOID.SERVER_AUTH not in oids
                and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in oids
            ):
                names = ", ".join(getattr(o, "_name", o.dotted_string) for o in eku)
                add(
                    Category.NOT_TLS,
                    cert,
                    f"its extended key usage ({names}) does not cover TLS servers: not a TLS root",
                    alias=alias,
                    programs=programs,
                )

    if store.type in (StoreType.JKS, StoreType.JCEKS):
        by_lower: dict[str, list[str]] = {}
        for e in store.entries:
            if e.alias:
                by_lower.setdefault(e.alias.lower(), []).append(e.alias)
        for same in by_lower.values():
            if len(set(same)) > 1:
                entry = next(e for e in store.entries if e.alias == same[0])
                add(
                    Category.DUPLICATE,
                    entry.cert,
                    f"aliases that differ only in case ({', '.join(same)}): keytool treats "
                    "them as one, and an import or delete may hit the other",
                    alias=same[0],
                )

    # -- missing roots ---------------------------------------------------------------------
    for ref in snapshot.roots:
        wanted = (ref.mozilla and not ref.distrust_after and not ref.domains) or (
            ref.jdk and tls_root(ref) and ref.cert.sha256 not in _distrusted_by_jdk()
        )
        if not wanted or ref.cert.not_after.date() < today:
            continue
        if ref.cert.sha256 in seen or (ref.cert.subject_key, ref.cert.spki_sha256) in have_keys:
            continue
        where = "Mozilla's TLS list" if ref.mozilla else "the JDK's cacerts"
        if ref.mozilla and ref.jdk:
            where = "Mozilla's TLS list and the JDK's cacerts"
        add(
            Category.MISSING,
            ref.cert,
            f"in {where}, not here: servers whose chain ends at it fail in this Java with "
            "'PKIX path building failed ... unable to find valid certification path to "
            "requested target'",
            source=mozilla_source if ref.mozilla else jdk_source,
            programs=_names(ref.programs),
        )

    in_store_mozilla = [
        r.cert.not_before.date()
        for r in snapshot.roots
        if r.mozilla
        and (r.cert.sha256 in seen or (r.cert.subject_key, r.cert.spki_sha256) in have_keys)
    ]
    mozilla_dates = [
        r.cert.not_before.date()
        for r in snapshot.roots
        if r.mozilla and not r.distrust_after and not r.domains
    ]
    newest_store = max(in_store_mozilla, default=None)
    newest_mozilla = max(mozilla_dates, default=None)
    missing_mozilla = any(
        f.category is Category.MISSING and "Mozilla" in f.programs for f in findings
    )
    behind: int | None = None
    if missing_mozilla and newest_mozilla is not None:
        behind = _months(newest_store, newest_mozilla) if newest_store else None
    order = list(Category)
    findings.sort(key=lambda f: (order.index(f.category), f.name.lower()))
    return StoreAudit(
        store.describe(),
        store.location,
        len(store.entries),
        java,
        f"{snapshot.source}; {snapshot.mozilla_source}",
        snapshot.as_of,
        tuple(findings),
        behind,
        newest_store,
        newest_mozilla,
    )


#: Programs whose lists hold TLS server roots only (Mozilla: the Websites bit; Microsoft:
#: the Server Authentication EKU; Chrome's root store). The JDK's cacerts also ships
#: code-signing roots, and Apple's and Android's lists are not filtered by purpose.
TLS_PROGRAMS = frozenset({"MOZILLA", "MICROSOFT", "GOOGLE"})


def tls_root(ref: ReferenceRoot) -> bool:
    """Does a program that lists TLS roots only include it?"""
    return bool(ref.programs & TLS_PROGRAMS)


def _distrusted_by_jdk() -> frozenset[bytes]:
    from sslpoke.data.jdk_distrust import POLICIES

    return frozenset(bytes.fromhex(fp) for p in POLICIES.values() for fp in p.fingerprints)
