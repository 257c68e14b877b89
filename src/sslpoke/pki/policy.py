"""The two validation profiles, as data.

``java`` mirrors Java 17's PKIX validator with the JDK's default
``jdk.certpath.disabledAlgorithms``; ``webpki`` follows RFC 5280 as the CA/Browser
Forum profiles it (what browsers and pyca/cryptography enforce). Each field
names one place where the two disagree; the checks in :mod:`sslpoke.pki.checks`
read these fields instead of branching on the profile's name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ProfileName(StrEnum):
    JAVA = "java"
    WEBPKI = "webpki"


class Profile(NamedTuple):
    name: ProfileName
    description: str
    #: Validate the trust anchor like any other certificate (dates, extensions,
    #: signature algorithm). Java only checks the anchor's key size.
    check_anchor: bool
    #: Apply the anchor certificate's own nameConstraints. Java builds its
    #: TrustAnchor without them (``new TrustAnchor(cert, null)``).
    anchor_name_constraints: bool
    #: Hash algorithms whose signatures are refused outright.
    forbidden_hashes: frozenset[str]
    #: Java's ``SHA1 jdkCA & usage TLSServer``: SHA-1 is refused only under
    #: anchors whose cacerts alias contains ``[jdk``.
    sha1_only_under_jdkca: bool
    #: Signature algorithms allowed at all (None: any the key type supports).
    allowed_hashes: frozenset[str] | None
    min_rsa_bits: int
    rsa_bits_multiple_of_8: bool
    min_dsa_bits: int | None  # None: DSA refused
    min_ec_bits: int
    allowed_curves: frozenset[str] | None
    allow_eddsa: bool
    #: Below this RSA size a warning is given even though the key is accepted.
    warn_rsa_bits: int
    #: RFC 5280 / CA/B Forum structure rules (AKI/SKI, serial, v3, criticality, CN in SAN...).
    strict_structure: bool
    require_san: bool
    require_leaf_eku: bool
    any_eku_ok: bool
    #: Java checks the leaf's keyUsage against the TLS key exchange.
    tls_key_usage: bool
    #: Longest path: intermediates that are not self-issued.
    max_depth: int
    #: Java's PKIXValidator.verifyTrustAnchor: a v3 anchor (other than the pinned
    #: server certificate) must be a CA with keyCertSign, unless the JVM runs
    #: with ``-Djdk.security.allowNonCaAnchor=true``.
    anchor_must_be_ca: bool = False
    #: Java's AdaptableX509CertSelector: an issuer whose subjectKeyIdentifier
    #: differs from the child's authorityKeyIdentifier is not its issuer.
    aki_must_match: bool = False
    #: Java's NameConstraintsExtension: a certificate without DNS (IP) names in
    #: its SAN has its last common name checked as a DNS name (IP address).
    cn_name_constraints: bool = False
    #: Java's certificate parser (X509CertImpl): it ignores a non-critical extension
    #: it cannot parse, reads an empty nameConstraints as none, refuses a critical
    #: SAN with no names and an empty subject without a critical SAN.
    java_parsing: bool = False
    #: RFC 5280 6.1 certificate policy processing (requireExplicitPolicy,
    #: inhibitAnyPolicy), as Java's PolicyChecker does it.
    policy_checks: bool = False
    #: jdk.security.caDistrustPolicies in force (see sslpoke.data.jdk_distrust).
    ca_distrust: frozenset[str] = frozenset()
    #: Certificate signatures the JVM's TLS client does not accept ("dsa", "sha224").
    tls_refused_signatures: frozenset[str] = frozenset()
    #: Which Java the rules are from, for the report (None: not a Java profile).
    java: str | None = None
    #: That Java's version, where its behaviour depends on it (host name checks).
    java_version: tuple[int, ...] = (17, 0, 15)


JAVA = Profile(
    name=ProfileName.JAVA,
    description="Java 17 PKIX with the JDK's default disabled algorithms",
    check_anchor=False,
    anchor_name_constraints=False,
    forbidden_hashes=frozenset({"md2", "md4", "md5"}),
    sha1_only_under_jdkca=True,
    allowed_hashes=None,
    min_rsa_bits=1024,
    rsa_bits_multiple_of_8=False,
    min_dsa_bits=1024,
    min_ec_bits=224,
    # SunEC in JDK 16 and later implements only the three NIST prime curves (the
    # legacy curves were removed, JDK-8235710): a signature by any other curve
    # fails with "Curve not supported" (measured on 17.0.15 by the differential test).
    allowed_curves=frozenset({"secp256r1", "secp384r1", "secp521r1"}),
    allow_eddsa=True,
    warn_rsa_bits=2048,
    strict_structure=False,
    require_san=False,
    require_leaf_eku=False,
    any_eku_ok=True,
    tls_key_usage=True,
    max_depth=8,
    anchor_must_be_ca=True,
    aki_must_match=True,
    cn_name_constraints=True,
    java_parsing=True,
    policy_checks=True,
    ca_distrust=frozenset({"SYMANTEC_TLS", "ENTRUST_TLS", "CAMERFIRMA_TLS"}),
    java="Java 17.0.15 defaults",
)

WEBPKI = Profile(
    name=ProfileName.WEBPKI,
    description="RFC 5280 and the CA/Browser Forum rules browsers enforce",
    check_anchor=True,
    anchor_name_constraints=True,
    forbidden_hashes=frozenset({"md2", "md4", "md5", "sha1"}),
    sha1_only_under_jdkca=False,
    allowed_hashes=frozenset({"sha256", "sha384", "sha512"}),
    min_rsa_bits=2048,
    rsa_bits_multiple_of_8=True,
    min_dsa_bits=None,
    min_ec_bits=256,
    allowed_curves=frozenset({"secp256r1", "secp384r1", "secp521r1"}),
    allow_eddsa=False,
    warn_rsa_bits=2048,
    strict_structure=True,
    require_san=True,
    require_leaf_eku=True,
    any_eku_ok=False,
    tls_key_usage=False,
    max_depth=8,
)

PROFILES = {p.name.value: p for p in (JAVA, WEBPKI)}


def get_profile(name: str | ProfileName | Profile) -> Profile:
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}: use java or webpki") from None
