"""Revocation checks against CRLs the user supplies (``sslpoke verify --crl``).

sslpoke never fetches CRLs or asks OCSP responders on its own: Java does not
either unless told to (``com.sun.net.ssl.checkRevocation``), and a diagnosis must
not depend on a third server. A CRL counts only if its issuer is the
certificate's issuer and the issuer's key signed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509

from sslpoke.pki.certs import Cert, name_key
from sslpoke.problems import Code, Severity

if TYPE_CHECKING:
    from sslpoke.pki.findings import Finding


class CrlError(ValueError):
    pass


@dataclass(frozen=True)
class Crl:
    crl: x509.CertificateRevocationList
    source: str

    @property
    def issuer_key(self) -> tuple[object, ...]:
        return name_key(self.crl.issuer)


def load_crls(data: bytes, source: str) -> list[Crl]:
    """Every CRL in PEM text, or one DER CRL."""
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            out = []
            for block in data.split(b"-----END X509 CRL-----")[:-1]:
                start = block.find(b"-----BEGIN X509 CRL-----")
                pem = block[start:] + b"-----END X509 CRL-----\n"
                out.append(Crl(x509.load_pem_x509_crl(pem), source))
            return out
        return [Crl(x509.load_der_x509_crl(data), source)]
    except ValueError as exc:
        raise CrlError(f"{source}: not a CRL ({exc})") from None


class CrlSet:
    def __init__(self, crls: Sequence[Crl]) -> None:
        self.crls = list(crls)

    def _for_issuer(self, issuer: Cert) -> list[Crl]:
        key = issuer.subject_key
        out = []
        for crl in self.crls:
            if crl.issuer_key != key:
                continue
            try:
                if crl.crl.is_signature_valid(issuer.public_key):
                    out.append(crl)
            except Exception:  # key type the CRL cannot be checked with
                continue
        return out

    def check_path(self, path: Sequence[Cert], anchored: bool, at: datetime) -> list[Finding]:
        from sslpoke.pki.findings import Finding

        out: list[Finding] = []
        for i in range(len(path) - 1):
            cert, issuer = path[i], path[i + 1]
            for crl in self._for_issuer(issuer):
                problem = _crl_problem(crl.crl, issuer)
                if problem:
                    out.append(
                        Finding(
                            Code.BAD_CRL,
                            Severity.ERROR,
                            i,
                            f"cannot be checked for revocation: {crl.source}: {problem}",
                        )
                    )
                    continue
                entry = crl.crl.get_revoked_certificate_by_serial_number(cert.serial)
                if entry is not None and entry.revocation_date_utc <= at:
                    reason = _reason(entry)
                    when = entry.revocation_date_utc.strftime("%Y-%m-%d")
                    out.append(
                        Finding(
                            Code.REVOKED,
                            Severity.ERROR,
                            i,
                            f"was revoked on {when}{reason} according to {crl.source}",
                        )
                    )
        return out


def _crl_problem(crl: x509.CertificateRevocationList, issuer: Cert) -> str | None:
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber)
    except x509.ExtensionNotFound:
        return "the CRL has no CRLNumber extension (RFC 5280 5.2.3 requires one)"
    except ValueError as exc:
        return f"the CRL cannot be parsed ({exc})"
    if number.critical:
        return "the CRL's CRLNumber extension must not be critical"
    ku = issuer.key_usage
    if ku is not None and not ku.crl_sign:
        return f"{issuer.display_name!r} may not sign CRLs (its keyUsage lacks cRLSign)"
    return None


def _reason(entry: x509.RevokedCertificate) -> str:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except (x509.ExtensionNotFound, ValueError):
        return ""
    return f" ({reason.value})"
