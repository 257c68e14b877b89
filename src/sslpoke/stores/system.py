"""The operating system's CA bundle and Mozilla's roots as shipped by certifi."""

from __future__ import annotations

import os
from pathlib import Path

from sslpoke.errors import StoreError

# Where Linux distributions and macOS keep the PEM bundle (the list Go uses too).
SYSTEM_BUNDLES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),  # Debian, Ubuntu, Gentoo, Arch
    Path("/etc/pki/tls/certs/ca-bundle.crt"),  # Fedora, RHEL 6
    Path("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),  # RHEL 7+, CentOS
    Path("/etc/ssl/ca-bundle.pem"),  # openSUSE
    Path("/etc/pki/tls/cacert.pem"),  # OpenELEC
    Path("/etc/ssl/cert.pem"),  # Alpine, macOS, BSDs
)


def system_bundle() -> Path:
    """The OS bundle OpenSSL would use (``SSL_CERT_FILE`` first), else the usual places."""
    override = os.environ.get("SSL_CERT_FILE")
    if override and Path(override).is_file():
        return Path(override)
    import ssl

    default = ssl.get_default_verify_paths().cafile
    if default and Path(default).is_file():
        return Path(default)
    for path in SYSTEM_BUNDLES:
        if path.is_file():
            return path
    raise StoreError("no system CA bundle found on this machine", reason="not-found")


def mozilla_bundle() -> Path:
    """Mozilla's current root program, as packaged by certifi."""
    import certifi

    return Path(certifi.where())
