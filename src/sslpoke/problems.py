"""The vocabulary shared by every layer: problem codes, severities, problems.

Codes are stable strings (they appear in JSON and scripts depend on them). What
each code means in plain words, its fix and the Java exception it corresponds to
live in :mod:`sslpoke.diagnose.catalog`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    ERROR = "error"  # the connection is not trusted (or not made) because of this
    WARNING = "warning"  # trusted today, but worth fixing


class Code(StrEnum):
    # Could not connect or complete the handshake (exit code 3).
    DNS_FAILURE = "dns-failure"
    CONNECTION_REFUSED = "connection-refused"
    CONNECTION_FAILED = "connection-failed"
    TIMEOUT = "timeout"
    NOT_TLS = "not-tls"
    HANDSHAKE_FAILURE = "handshake-failure"
    CLIENT_CERT_REQUIRED = "client-cert-required"
    PROTOCOL_MISMATCH = "protocol-mismatch"
    STARTTLS_UNSUPPORTED = "starttls-unsupported"
    STARTTLS_REFUSED = "starttls-refused"
    # The chain is not trusted (exit code 1).
    SELF_SIGNED = "self-signed"
    UNKNOWN_CA = "unknown-ca"
    INCOMPLETE_CHAIN = "incomplete-chain"
    EMPTY_TRUSTSTORE = "empty-truststore"
    CERTIFICATE_RENEWED = "certificate-renewed"
    OUTDATED_TRUSTSTORE = "outdated-truststore"
    INTERCEPTED = "intercepted"
    DISTRUSTED_CA = "distrusted-ca"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    HOSTNAME_MISMATCH = "hostname-mismatch"
    MISSING_SAN = "missing-san"
    WEAK_SIGNATURE = "weak-signature"
    WEAK_KEY = "weak-key"
    NOT_A_CA = "not-a-ca"
    PATH_LENGTH_EXCEEDED = "path-length-exceeded"
    CHAIN_TOO_LONG = "chain-too-long"
    NAME_CONSTRAINTS = "name-constraints"
    POLICY = "policy-constraints"
    BAD_KEY_USAGE = "bad-key-usage"
    BAD_EKU = "bad-eku"
    BAD_SIGNATURE = "bad-signature"
    INVALID_CERTIFICATE = "invalid-certificate"
    REVOKED = "revoked"
    REVOCATION_UNKNOWN = "revocation-unknown"
    BAD_CRL = "bad-crl"
    PROTOCOL_DISABLED = "protocol-disabled"  # (exit code 3, with the connection codes)
    # Warnings: trusted, but something to fix.
    CHAIN_ORDER = "chain-order"
    EXPIRING_SOON = "expiring-soon"
    TRUSTSTORE_FALLBACK = "truststore-fallback"
    SEVERAL_JAVAS = "several-javas"
    KEYSTORE_AS_TRUSTSTORE = "keystore-as-truststore"
    NO_PLAINTEXT_AUTH = "no-plaintext-auth"
    PLAINTEXT_AUTH_BEFORE_TLS = "plaintext-auth-before-tls"


#: Codes meaning "sslpoke could not connect or finish the handshake" (exit code 3).
CONNECTION_CODES = frozenset(
    {
        Code.DNS_FAILURE,
        Code.CONNECTION_REFUSED,
        Code.CONNECTION_FAILED,
        Code.TIMEOUT,
        Code.NOT_TLS,
        Code.HANDSHAKE_FAILURE,
        Code.CLIENT_CERT_REQUIRED,
        Code.PROTOCOL_MISMATCH,
        Code.STARTTLS_UNSUPPORTED,
        Code.STARTTLS_REFUSED,
        Code.PROTOCOL_DISABLED,  # Java would not complete the handshake: no trust verdict
    }
)


class Problem(NamedTuple):
    """One thing wrong, in plain words, with what to do about it.

    ``cert_index`` is the position in the chain *as the server sent it* (0 is the
    leaf), or ``None`` when the problem is not about a sent certificate (a missing
    one, a truststore certificate, or the connection itself).
    """

    code: Code
    severity: Severity
    message: str
    fix: str
    cert_index: int | None = None
    commands: tuple[str, ...] = ()  # copy-pasteable commands that carry out the fix

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
