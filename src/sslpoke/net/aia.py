"""Downloading a missing issuer from a certificate's AIA caIssuers URL (``trust --fetch-missing``).

Only on request: Java does not do this unless ``com.sun.security.enableAIAcaIssuers``
is set, so a diagnosis never depends on it. The reply is bounded in size and time.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from sslpoke.errors import InputError

MAX_BYTES = 256 * 1024


def fetch_issuers(url: str, *, timeout: float = 10.0) -> list[bytes]:
    """The certificate(s) at ``url`` as DER (the reply may be DER, PEM or PKCS#7)."""
    if not url.lower().startswith(("http://", "https://")):
        raise InputError(f"not fetching {url}: only http and https AIA URLs are followed")
    request = urllib.request.Request(url, headers={"User-Agent": "sslpoke"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(f"could not download {url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{url}: the reply is larger than {MAX_BYTES} bytes, not a certificate")
    from sslpoke.pki.certs import Cert, CertificateParseError, pem_blocks

    if b"-----BEGIN CERTIFICATE-----" in data:
        return pem_blocks(data)
    try:
        return [Cert(data).der]
    except CertificateParseError:
        pass
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    try:
        return [c.public_bytes(Encoding.DER) for c in pkcs7.load_der_pkcs7_certificates(data)]
    except ValueError:
        raise InputError(f"{url}: the reply is not a certificate (DER, PEM or PKCS#7)") from None
