"""The code table: for every problem code, what it means, what Java prints, what fixes it.

This is data; the README's code table is checked against it by a test, so the
two cannot drift apart.
"""

from __future__ import annotations

from typing import NamedTuple

from sslpoke.problems import Code, Severity

PKIX = (
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: "
    "unable to find valid certification path to requested target"
)


class CodeInfo(NamedTuple):
    code: Code
    severity: Severity
    summary: str
    java: str  # the exception text a Java client logs for it ("" when Java says nothing)
    fix: str


_E, _W = Severity.ERROR, Severity.WARNING

CATALOG: dict[Code, CodeInfo] = {
    i.code: i
    for i in [
        CodeInfo(
            Code.DNS_FAILURE,
            _E,
            "The host name does not resolve.",
            "java.net.UnknownHostException: <host>",
            "Check the spelling, or the DNS/hosts entry on this machine.",
        ),
        CodeInfo(
            Code.CONNECTION_REFUSED,
            _E,
            "Nothing listens on that port (the connection was refused).",
            "java.net.ConnectException: Connection refused",
            "Check the port, and that the service is running and listening on that address.",
        ),
        CodeInfo(
            Code.CONNECTION_FAILED,
            _E,
            "The network could not reach the host.",
            "java.net.NoRouteToHostException: No route to host",
            "Check routing, firewalls and proxies between this machine and the server.",
        ),
        CodeInfo(
            Code.TIMEOUT,
            _E,
            "A step (lookup, connect, STARTTLS or handshake) did not finish in time.",
            "java.net.SocketTimeoutException: connect timed out (or: Read timed out)",
            "A firewall may drop the packets, or the server is overloaded; try a longer --timeout.",
        ),
        CodeInfo(
            Code.NOT_TLS,
            _E,
            "The port answered, but not with TLS.",
            "javax.net.ssl.SSLException: Unsupported or unrecognized SSL message",
            "Use the TLS port of the service, or the plain protocol without TLS.",
        ),
        CodeInfo(
            Code.HANDSHAKE_FAILURE,
            _E,
            "The TLS handshake failed before any certificate could be judged.",
            "javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure",
            "Compare the TLS versions and cipher suites both sides allow.",
        ),
        CodeInfo(
            Code.CLIENT_CERT_REQUIRED,
            _E,
            "The server demands a client certificate (mutual TLS).",
            "javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate "
            "(TLS 1.3: certificate_required)",
            "Configure the client's keystore (javax.net.ssl.keyStore) with a certificate the server accepts.",
        ),
        CodeInfo(
            Code.PROTOCOL_MISMATCH,
            _E,
            "The port speaks another protocol than expected (e.g. plain text where TLS was expected).",
            "javax.net.ssl.SSLException: Unsupported or unrecognized SSL message",
            "Use STARTTLS on this port (--starttls), or the implicit-TLS port.",
        ),
        CodeInfo(
            Code.STARTTLS_UNSUPPORTED,
            _E,
            "The server does not offer STARTTLS.",
            "javax.mail.MessagingException: STARTTLS is required but host does not support STARTTLS",
            "Enable TLS on the server, or connect to its implicit-TLS port.",
        ),
        CodeInfo(
            Code.STARTTLS_REFUSED,
            _E,
            "The server offers STARTTLS but the command failed.",
            "javax.mail.MessagingException: 454 4.7.0 TLS not available",
            "Check the server's TLS configuration (certificate and key files readable?) and its log.",
        ),
        CodeInfo(
            Code.SELF_SIGNED,
            _E,
            "The server's certificate is self-signed and not in the truststore.",
            PKIX,
            "Import the certificate into the truststore the application uses, or give the server a CA-issued certificate.",
        ),
        CodeInfo(
            Code.UNKNOWN_CA,
            _E,
            "The chain ends at a CA the truststore does not know.",
            PKIX,
            "Import that root CA into the truststore the application uses.",
        ),
        CodeInfo(
            Code.INCOMPLETE_CHAIN,
            _E,
            "The server does not send the intermediate certificate, and the truststore lacks it.",
            PKIX,
            "Configure the server to send its intermediate certificate(s) with its own.",
        ),
        CodeInfo(
            Code.OUTDATED_TRUSTSTORE,
            _E,
            "The root the chain needs is trusted by Mozilla today but missing from this truststore.",
            PKIX,
            "Upgrade Java (or its cacerts / the ca-certificates package), or import the root.",
        ),
        CodeInfo(
            Code.INTERCEPTED,
            _E,
            "TLS is being intercepted by an antivirus, proxy or adware product.",
            PKIX,
            "Exclude this host from TLS inspection, or import the product's root into the truststore if the interception is sanctioned.",
        ),
        CodeInfo(
            Code.EXPIRED,
            _E,
            "A certificate in the chain has expired.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed "
            "(java.security.cert.CertificateExpiredException: NotAfter: ...)",
            "Renew the certificate on the server (or the expired intermediate it sends).",
        ),
        CodeInfo(
            Code.NOT_YET_VALID,
            _E,
            "A certificate in the chain is not valid yet.",
            "PKIX path validation failed: ... validity check failed "
            "(java.security.cert.CertificateNotYetValidException: NotBefore: ...)",
            "Check the clock on this machine and on the CA; or wait until the certificate's start date.",
        ),
        CodeInfo(
            Code.HOSTNAME_MISMATCH,
            _E,
            "The certificate is not valid for the name connected to.",
            "javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching <host> found.",
            "Connect with a name the certificate lists, or reissue it with this name in subjectAltName.",
        ),
        CodeInfo(
            Code.MISSING_SAN,
            _E,
            "The certificate has no subjectAltName; modern clients ignore the CN.",
            "java.security.cert.CertificateException: No subject alternative names present",
            "Reissue the certificate with the host name(s) in subjectAltName.",
        ),
        CodeInfo(
            Code.WEAK_SIGNATURE,
            _E,
            "A certificate is signed with an algorithm the client refuses (MD5, SHA-1...).",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: "
            "Algorithm constraints check failed on signature algorithm: MD5withRSA",
            "Reissue the certificate signed with SHA-256 or better.",
        ),
        CodeInfo(
            Code.WEAK_KEY,
            _E,
            "A certificate's key is too small or of a refused kind.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: "
            "Algorithm constraints check failed on keysize limits: RSA 512 bit key used with certificate: ...",
            "Reissue the certificate with an RSA 2048+ or EC P-256/P-384 key.",
        ),
        CodeInfo(
            Code.NOT_A_CA,
            _E,
            "A certificate that issued another is not a CA certificate.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: "
            "basic constraints check failed: this is not a CA certificate",
            "The issuing certificate needs basicConstraints cA=TRUE; reissue it, or fix the chain the server sends.",
        ),
        CodeInfo(
            Code.PATH_LENGTH_EXCEEDED,
            _E,
            "A CA's pathLenConstraint forbids this many CAs below it.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: "
            "basic constraints check failed: pathLenConstraint violated",
            "Reissue the constraining CA with a larger pathLenConstraint, or shorten the chain.",
        ),
        CodeInfo(
            Code.CHAIN_TOO_LONG,
            _E,
            "The path to a trusted root is longer than allowed.",
            "javax.net.ssl.SSLHandshakeException: The certificate chain length exceeds the maximum allowed length",
            "Send a shorter chain; remove unneeded cross-certificates.",
        ),
        CodeInfo(
            Code.NAME_CONSTRAINTS,
            _E,
            "A CA's name constraints do not allow this name.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: name constraints check failed",
            "Use a certificate from a CA allowed to issue for this name.",
        ),
        CodeInfo(
            Code.CERTIFICATE_RENEWED,
            _E,
            "The truststore trusts an older certificate with the same name: the server's certificate (or its CA's key) was replaced.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: signature check failed",
            "Import the new certificate (sslpoke trust HOST PORT; add --replace to remove the stale entry).",
        ),
        CodeInfo(
            Code.EMPTY_TRUSTSTORE,
            _E,
            "The truststore holds no trusted certificate (empty, or certificates without Java's trusted attribute).",
            "javax.net.ssl.SSLException: java.lang.RuntimeException: Unexpected error: java.security.InvalidAlgorithmParameterException: the trustAnchors parameter must be non-empty",
            "Import the CA that issued the server's chain into this truststore (sslpoke trust adds to an empty store).",
        ),
        CodeInfo(
            Code.DISTRUSTED_CA,
            _E,
            "The root is one Java distrusts for server certificates issued after a date (jdk.security.caDistrustPolicies).",
            "sun.security.validator.ValidatorException: TLS Server certificate issued after <date> and anchored by a distrusted legacy <CA> root CA: <root>",
            "Get a certificate from another CA; as a last resort, remove the policy from jdk.security.caDistrustPolicies in a -Djava.security.properties file.",
        ),
        CodeInfo(
            Code.POLICY,
            _E,
            "A CA requires an explicit certificate policy that the certificates below it do not carry.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: non-null policy tree required and policy tree is null",
            "Reissue the server certificate with a certificatePolicies extension that the CA's policy allows (ask the CA which policy OID).",
        ),
        CodeInfo(
            Code.BAD_KEY_USAGE,
            _E,
            "A certificate's keyUsage does not allow what it is used for.",
            "sun.security.validator.ValidatorException: KeyUsage does not allow digital signatures",
            "Reissue the certificate with the right keyUsage (digitalSignature for servers, keyCertSign for CAs).",
        ),
        CodeInfo(
            Code.BAD_EKU,
            _E,
            "The certificate's extendedKeyUsage does not allow TLS server authentication.",
            "sun.security.validator.ValidatorException: Extended key usage does not permit use for TLS server authentication",
            "Reissue the certificate with extendedKeyUsage serverAuth.",
        ),
        CodeInfo(
            Code.BAD_SIGNATURE,
            _E,
            "A certificate's signature does not verify with its issuer's key.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: signature check failed",
            "The certificate is corrupt or was not issued by the CA it names; reinstall the right certificate.",
        ),
        CodeInfo(
            Code.INVALID_CERTIFICATE,
            _E,
            "A certificate breaks the X.509 rules strict clients enforce.",
            "java.security.cert.CertificateParsingException (or: Unrecognized critical extension(s))",
            "Reissue the certificate from a CA that follows RFC 5280.",
        ),
        CodeInfo(
            Code.REVOKED,
            _E,
            "A certificate has been revoked by its CA.",
            "PKIX path validation failed: java.security.cert.CertPathValidatorException: Certificate has been revoked",
            "Install a new certificate; the revoked one must not be used.",
        ),
        CodeInfo(
            Code.REVOCATION_UNKNOWN,
            _W,
            "No revocation source answered for a certificate of the path (--revocation): OCSP and CRL unreachable or unusable, or a must-staple certificate without a staple.",
            "java.security.cert.CertPathValidatorException: Could not determine revocation status (only when the JVM checks revocation)",
            "Make the CA's OCSP responder or CRL reachable from the client, or turn on OCSP stapling on the server.",
        ),
        CodeInfo(
            Code.BAD_CRL,
            _E,
            "A CRL given to check revocation is malformed or not valid for its CA.",
            "java.security.cert.CertPathValidatorException: Could not determine revocation status",
            "Get a current, well-formed CRL from the CA.",
        ),
        CodeInfo(
            Code.PROTOCOL_DISABLED,
            _E,
            "The server only speaks a TLS version Java disables: the handshake cannot complete.",
            "javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version",
            "Enable TLS 1.2 and 1.3 on the server. Stopgap on the client only (weakens every "
            "connection of that JVM): remove TLSv1/TLSv1.1 from jdk.tls.disabledAlgorithms in a "
            "file given with -Djava.security.properties.",
        ),
        CodeInfo(
            Code.KEYSTORE_AS_TRUSTSTORE,
            _W,
            "The truststore is a keystore (a private key entry, no trusted certificates): javax.net.ssl.keyStore and trustStore mixed up.",
            "",
            "Point javax.net.ssl.trustStore at the real truststore; keep this file as the keystore.",
        ),
        CodeInfo(
            Code.CHAIN_ORDER,
            _W,
            "The server sends its chain out of order or with extra certificates.",
            "",
            "Send the leaf first, then each issuer in turn; leave out unrelated certificates.",
        ),
        CodeInfo(
            Code.EXPIRING_SOON, _W, "A certificate expires within 30 days.", "", "Renew it now."
        ),
        CodeInfo(
            Code.TRUSTSTORE_FALLBACK,
            _W,
            "The javax.net.ssl.trustStore property names a missing file; Java silently uses cacerts.",
            "",
            "Fix the path in the JVM options, or create the truststore file.",
        ),
        CodeInfo(
            Code.SEVERAL_JAVAS,
            _W,
            "Several Java installations with different truststores exist; the application may use another one.",
            "",
            "Check with the Java the application runs: sslpoke HOST PORT --java PATH|PID (sslpoke java lists them).",
        ),
        CodeInfo(
            Code.NO_PLAINTEXT_AUTH,
            _W,
            "The mail server offers no PLAIN or LOGIN authentication over TLS.",
            "javax.mail.AuthenticationFailedException: No authentication mechanisms supported by both server and client",
            "Allow plain-text authentication over TLS on the server (e.g. Exchange: Basic auth on the connector).",
        ),
        CodeInfo(
            Code.PLAINTEXT_AUTH_BEFORE_TLS,
            _W,
            "The mail server accepts passwords before TLS is started.",
            "",
            "Disable plain-text authentication on unencrypted connections (e.g. dovecot: disable_plaintext_auth = yes).",
        ),
    ]
}

assert set(CATALOG) == set(Code), "every code needs a catalog entry"


def info(code: Code) -> CodeInfo:
    return CATALOG[code]


def markdown_table() -> str:
    """The README's table of codes (a test keeps the README in step with this)."""
    rows = [
        "| code | severity | meaning | Java says |",
        "|---|---|---|---|",
    ]
    for entry in CATALOG.values():
        java = f"`{entry.java}`" if entry.java else "(no exception of its own)"
        rows.append(f"| `{entry.code.value}` | {entry.severity.value} | {entry.summary} | {java} |")
    return "\n".join(rows) + "\n"


def java_text(code: Code, name: str | None) -> str:
    """What Java prints for ``code``, with the host (or IP address) filled in."""
    from sslpoke.target import is_ip_literal

    text = info(code).java
    if not text or name is None:
        return text
    if code is Code.HOSTNAME_MISMATCH and is_ip_literal(name):
        return (
            "javax.net.ssl.SSLHandshakeException: No subject alternative names matching "
            f"IP address {name} found"
        )
    return text.replace("<host>", name)
