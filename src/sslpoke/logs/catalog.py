"""The Java TLS failures applications log, as data: message form → cause.

Each form is the exception text as the JDK (or a library on top of it) writes it,
verbatim from the JDK 17.0.15 and 25.0.3 classes or measured runs, with the
variations between releases allowed: JDK 25 puts the alert name in parentheses
after ``SSLHandshakeException:`` (``(certificate_unknown) PKIX path building
failed``), JDK 8 wraps path errors in ``sun.security.validator.ValidatorException``.
Source: ``notes/java-tls-facts.md`` §6.1. The first form that matches a logged
failure (its whole ``Caused by:`` chain) names the cause; the more precise forms
come first.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class LogForm(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    code: str  # the sslpoke code it most likely is (a probe then says for sure)
    meaning: str
    find_host: str = ""  # how to find the endpoint when the log does not say


def _f(name: str, regex: str, code: str, meaning: str, find_host: str = "") -> LogForm:
    return LogForm(name, re.compile(regex), code, meaning, find_host)


FORMS: tuple[LogForm, ...] = (
    _f(
        "distrusted-ca",
        r"TLS Server certificate issued after (?P<date>[\d-]+) and anchored by a distrusted legacy "
        r"(?P<ca>\w+) root CA",
        "distrusted-ca",
        "the server's certificate chains to a CA this Java distrusts for certificates issued "
        "after a date (jdk.security.caDistrustPolicies)",
    ),
    _f(
        "revoked",
        r"Certificate has been revoked, reason: (?P<reason>\w+)",
        "revoked",
        "the JVM checks revocation (checkRevocation=true) and the server's certificate is revoked",
    ),
    _f(
        "revocation-unknown",
        r"(?:Could not|Unable to) determine revocation status",
        "revocation-unknown",
        "the JVM checks revocation and no OCSP responder or CRL answered for a certificate of "
        "the chain",
    ),
    _f(
        "expired",
        r"CertificateExpiredException: NotAfter: (?P<date>[^\n]+)|\(certificate_expired\)",
        "expired",
        "a certificate of the server's chain has expired",
    ),
    _f(
        "not-yet-valid",
        r"CertificateNotYetValidException: NotBefore: (?P<date>[^\n]+)",
        "not-yet-valid",
        "a certificate of the server's chain is not valid yet (or this machine's clock is wrong)",
    ),
    _f(
        "algorithm-constraints",
        r"Algorithm constraints check failed on (?P<what>[^\n:]+)(?:: (?P<alg>[^\n]+))?"
        r"|Certificates do not conform to algorithm constraints",
        "weak-signature",
        "a certificate uses an algorithm or key size this Java disables "
        "(jdk.certpath.disabledAlgorithms)",
    ),
    _f(
        "no-chain",
        r"Path does not chain with any of the trust anchors",
        "unknown-ca",
        "the chain does not lead to a certificate of the truststore",
    ),
    _f(
        "pkix",
        r"PKIX path building failed|unable to find valid certification path to requested target",
        "unknown-ca",
        "the truststore the JVM uses does not trust the server's chain (missing root or "
        "intermediate, self-signed, interception proxy)",
    ),
    _f(
        "pkix-validation",
        r"PKIX path validation failed",
        "invalid-certificate",
        "the chain was found but breaks a rule (usage, constraints, dates)",
    ),
    _f(
        "san-dns",
        r"No subject alternative DNS name matching (?P<host>[^\s]+?)\.? found",
        "hostname-mismatch",
        "the certificate does not name the host the application connects to",
    ),
    _f(
        "san-ip",
        r"No subject alternative names matching IP address (?P<host>[0-9a-fA-F.:]+) found",
        "hostname-mismatch",
        "the application connects by IP address and the certificate has no such IP SAN",
    ),
    _f(
        "no-san",
        r"No subject alternative names present",
        "missing-san",
        "the certificate has no subjectAltName (the application connects by IP address)",
    ),
    _f(
        "name",
        r"No name matching (?P<host>[^\s]+) found",
        "hostname-mismatch",
        "the certificate's CN does not match the host (no DNS SAN at all)",
    ),
    _f(
        "httpclient-mismatch",
        r"Certificate for <(?P<host>[^>]+)> doesn't match any of the subject alternative names",
        "hostname-mismatch",
        "Apache HttpClient: the certificate does not name the host",
    ),
    _f(
        "trust-anchors-empty",
        r"the trustAnchors parameter must be non-empty",
        "empty-truststore",
        "the truststore the JVM opened holds no trusted certificate (empty, wrong file, or a "
        "PKCS#12 made by openssl without Java's trust attribute)",
    ),
    _f(
        "truststore-access",
        r"problem accessing trust store|Keystore was tampered with, or password was incorrect",
        "truststore-password",
        "the JVM cannot open its truststore: wrong javax.net.ssl.trustStorePassword or "
        "trustStoreType, or the file is not a keystore",
    ),
    _f(
        "dh-keypair",
        r"Could not generate DH keypair",
        "handshake-failure",
        "an old Java cannot use the server's Diffie-Hellman group (larger than it supports)",
    ),
    _f(
        "protocol-version",
        r"Received fatal alert: protocol_version|The server selected protocol version (?P<v>\w+) "
        r"is not accepted|Server chose (?P<v2>\S+), but that protocol version is not enabled",
        "protocol-disabled",
        "client and server share no TLS version (a TLS 1.0/1.1-only server, or a client pinned "
        "to an old version)",
    ),
    _f(
        "no-appropriate-protocol",
        r"No appropriate protocol \(protocol is disabled or cipher suites are inappropriate\)"
        r"|No appropriate cipher suite|No negotiable cipher suite",
        "protocol-disabled",
        "the client's own settings leave nothing to offer (a protocol pinned to TLSv1/1.1, "
        "e.g. mail.smtp.ssl.protocols, that jdk.tls.disabledAlgorithms removed)",
    ),
    _f(
        "handshake-failure",
        r"Received fatal alert: handshake_failure",
        "handshake-failure",
        "no common cipher suite, group or signature algorithm (e.g. a TLS_RSA-only server and "
        "Java 24+), or the server wants a client certificate",
    ),
    _f(
        "client-cert-rejected",
        r"Received fatal alert: (?P<alert>certificate_unknown|bad_certificate|unknown_ca"
        r"|certificate_required)",
        "client-cert-required",
        "the server rejected the client's certificate (mutual TLS), or wanted one",
    ),
    _f(
        "plaintext",
        r"Unsupported or unrecognized SSL message|Unrecognized SSL message, plaintext connection\?",
        "not-tls",
        "the port speaks plain text: STARTTLS is needed (e.g. SMTP 25/587), or the wrong port",
    ),
    _f(
        "terminated",
        r"Remote host terminated the handshake|Remote host closed connection during handshake"
        r"|SSL peer shut down incorrectly",
        "handshake-failure",
        "the server closed the connection during the handshake (SNI required, a middlebox, "
        "protocol intolerance)",
    ),
    _f(
        "alert-other",
        r"Received fatal alert: (?P<alert>illegal_parameter|decode_error|internal_error)",
        "handshake-failure",
        "an interoperability problem or a middlebox",
    ),
)

HOW_TO_FIND_HOST = (
    "the log does not say which server: look at the lines just before it in the same thread "
    "(a URL, 'Unable to connect to the server at ...', 'Could not connect to SMTP host'), at the "
    "stack frames (com.sun.mail.imap: the IMAP server; com.sun.jndi.ldap: the LDAP server; "
    "org.postgresql / com.mysql: the database in dbconfig.xml; org.apache.http / okhttp3: an "
    "HTTPS link), or run the JVM with -Djavax.net.debug=ssl:handshake and read the server_name"
)

# A TLS failure is logged with one of these exception types.
TRIGGER = re.compile(
    r"javax\.net\.ssl\.SSL\w*Exception|ValidatorException|CertPathValidatorException"
    r"|CertificateExpiredException|trustAnchors parameter|Could not generate DH keypair"
    r"|javax\.net\.ssl\|ERROR|SSLPeerUnverifiedException"
    r"|problem accessing trust store|Keystore was tampered with"
)


def match(text: str) -> tuple[LogForm, re.Match[str]] | None:
    """The first form found anywhere in a failure's text (its whole Caused-by chain)."""
    for form in FORMS:
        m = form.pattern.search(text)
        if m is not None:
            return form, m
    return None


__all__ = ["FORMS", "HOW_TO_FIND_HOST", "TRIGGER", "LogForm", "match"]
