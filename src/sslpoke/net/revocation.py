"""Revocation: the stapled OCSP response, OCSP and CRL fetched on request, CT, and
what the diagnosed Java does with them.

The stdlib ``ssl`` module cannot ask for or read a staple; pyOpenSSL's OCSP client
callback can, over TLS 1.3 too (measured). Responses are checked with
cryptography's ``x509.ocsp`` (status, certificate id, signature by the issuer or
by a responder it delegated to, this/next update). Fetching (``--revocation``)
phones out to the CA, so it is opt-in; answers are cached on disk until their
nextUpdate. Java by default checks nothing: no CRL, no OCSP, a staple requested
but unused, so a revoked certificate is accepted; with
``-Dcom.sun.net.ssl.checkRevocation=true`` and ``ocsp.enable=true`` it fails with
``Certificate has been revoked, reason: ...`` or ``Could not determine revocation
status``. Java does not evaluate Certificate Transparency at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sslpoke.pki.certs import Cert

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable

MAX_RESPONSE = 1 << 20
MAX_CRL = 16 << 20
MAX_SCTS = 64
MAX_CHECKED = 6  # certificates checked in one path (leaf and intermediates)
_ORDER = ("revoked", "good", "unknown", "unreachable")


class RevocationStatus(NamedTuple):
    status: str  # good, revoked, unknown, unreachable
    source: str  # "stapled OCSP", "OCSP http://...", "CRL http://..."
    detail: str = ""  # reason and date when revoked; the error when unreachable
    reason: str | None = None
    revoked_at: datetime | None = None
    subject: str = ""  # whose status: the certificate's name
    position: int = 0  # 0: the server's own certificate, 1: its issuer, ...

    @property
    def whose(self) -> str:
        """ "the server's certificate" or "CA <name>"."""
        return "the server's certificate" if self.position == 0 else f"CA {self.subject}"


class Sct(NamedTuple):
    log_id: str  # hex
    timestamp: datetime
    where: str  # "embedded", "TLS extension", "stapled OCSP"


class CertRevocation(NamedTuple):
    """One certificate of the path and what each source said of it."""

    subject: str
    position: int
    statuses: tuple[RevocationStatus, ...]

    @property
    def status(self) -> str:
        return worst(self.statuses)


class RevocationReport(NamedTuple):
    certificates: tuple[CertRevocation, ...]  # every certificate checked, leaf first
    staple: bool  # the server stapled a response
    must_staple: bool  # the leaf carries the TLS feature status_request
    scts: tuple[Sct, ...]
    java_checks: bool  # the diagnosed Java checks revocation
    java_flags: str  # how it was decided

    @property
    def statuses(self) -> tuple[RevocationStatus, ...]:
        """What every source said of every certificate, leaf first."""
        return tuple(s for c in self.certificates for s in c.statuses)

    @property
    def status(self) -> str:
        """The worst over the path: revoked, good, unknown, unreachable, not checked."""
        return worst(self.statuses)


def worst(statuses: tuple[RevocationStatus, ...]) -> str:
    """revoked beats good (one source saying revoked is enough), good beats not knowing."""
    found = {s.status for s in statuses}
    return next((o for o in _ORDER if o in found), "not checked")


def java_checks_revocation(
    props: Mapping[str, str], security: Mapping[str, str]
) -> tuple[bool, str]:
    """Does a JVM with these -D properties and java.security check revocation?"""
    check = props.get("com.sun.net.ssl.checkRevocation", "false").strip().lower() == "true"
    ocsp = security.get("ocsp.enable", "false").strip().lower() == "true"
    crldp = props.get("com.sun.security.enableCRLDP", "false").strip().lower() == "true"
    if not check:
        return (
            False,
            "-Dcom.sun.net.ssl.checkRevocation is not true (the default): Java checks nothing",
        )
    how = ", ".join(
        n for n, on in (("OCSP (ocsp.enable)", ocsp), ("CRL DP (enableCRLDP)", crldp)) if on
    )
    return True, f"-Dcom.sun.net.ssl.checkRevocation=true; {how or 'no source enabled'}"


def stapled_response(
    host: str,
    port: int,
    servername: str | None,
    *,
    timeout: float,
    opener: Callable[[], socket.socket] | None = None,
) -> bytes | None:
    """The OCSP response the server staples (None: none), read with pyOpenSSL.

    ``opener`` gives a connection ready for the ClientHello (after STARTTLS, say);
    by default a plain TCP connection to ``host``:``port``.
    """
    import socket

    from OpenSSL import SSL

    got: list[bytes] = []

    def callback(conn: SSL.Connection, data: bytes, _: object) -> bool:
        if data:
            got.append(bytes(data[:MAX_RESPONSE]))
        return True

    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE, lambda *a: True)
    ctx.set_ocsp_client_callback(callback)
    sock = opener() if opener else socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    try:
        conn = SSL.Connection(ctx, sock)
        if servername:
            conn.set_tlsext_host_name(servername.encode("idna"))
        conn.request_ocsp()
        conn.set_connect_state()
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn.do_handshake()
                break
            except SSL.WantReadError:
                if time.monotonic() > deadline:
                    raise TimeoutError from None
                continue
    finally:
        sock.close()
    return got[0] if got else None


def check_ocsp(
    der: bytes, leaf: Cert, issuer: Cert, source: str, *, now: datetime | None = None
) -> RevocationStatus:
    """An OCSP response for ``leaf``, checked: signature, certificate id, freshness."""
    from cryptography import x509
    from cryptography.x509 import ocsp
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = now or datetime.now(UTC)
    try:
        resp = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        return RevocationStatus("unknown", source, f"not an OCSP response ({exc})")
    if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return RevocationStatus("unknown", source, f"responder says {resp.response_status.name}")
    if resp.serial_number != leaf.serial:
        return RevocationStatus("unknown", source, "the response is for another certificate")
    signer = issuer.x
    for cand in resp.certificates:
        try:
            cand.verify_directly_issued_by(issuer.x)
            eku = cand.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except Exception:
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku:
            signer = cand
            break
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

        key = signer.public_key()
        algo = resp.signature_hash_algorithm
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(resp.signature, resp.tbs_response_bytes, padding.PKCS1v15(), algo)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(resp.signature, resp.tbs_response_bytes, ec.ECDSA(algo))  # type: ignore[arg-type]
        else:
            key.verify(resp.signature, resp.tbs_response_bytes)  # type: ignore[call-arg, union-attr]
    except Exception as exc:
        return RevocationStatus(
            "unknown", source, f"the response's signature does not verify ({type(exc).__name__})"
        )
    next_update = resp.next_update_utc
    if next_update is not None and next_update < now:
        return RevocationStatus(
            "unknown",
            source,
            f"the response is stale (nextUpdate {next_update:%Y-%m-%d %H:%M} UTC)",
        )
    status = resp.certificate_status
    if status is ocsp.OCSPCertStatus.REVOKED:
        reason = resp.revocation_reason.name if resp.revocation_reason else "unspecified"
        when = resp.revocation_time_utc
        return RevocationStatus(
            "revoked",
            source,
            f"revoked {when:%Y-%m-%d} ({reason})" if when else f"revoked ({reason})",
            reason,
            when,
        )
    if status is ocsp.OCSPCertStatus.GOOD:
        return RevocationStatus("good", source)
    return RevocationStatus("unknown", source, "the responder does not know the certificate")


def _cache_dir() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sslpoke" / "revocation"


def _cached(key: str) -> bytes | None:
    path = _cache_dir() / f"{key}.json"
    try:
        entry = json.loads(path.read_text())
        if datetime.fromisoformat(entry["until"]) > datetime.now(UTC):
            return bytes.fromhex(entry["der"])
    except (OSError, ValueError, KeyError):
        return None
    return None


def _store(key: str, der: bytes, until: datetime | None) -> None:
    if until is None:
        return
    try:
        folder = _cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.tmp"
        tmp.write_text(json.dumps({"until": until.isoformat(), "der": der.hex()}))
        tmp.replace(folder / f"{key}.json")
    except OSError:
        pass


def _http(url: str, *, data: bytes | None, timeout: float, limit: int) -> bytes:
    import urllib.request

    req = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/ocsp-request"} if data else {}
    )
    with urllib.request.urlopen(req, timeout=timeout) as response:
        raw: bytes = response.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"more than {limit >> 20} MiB")
    return raw


def fetch_ocsp(leaf: Cert, issuer: Cert, *, timeout: float) -> list[RevocationStatus]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp
    from cryptography.x509.oid import AuthorityInformationAccessOID

    aia = leaf.ext_value(x509.AuthorityInformationAccess)
    urls = [
        d.access_location.value
        for d in (aia or [])
        if d.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ][:2]
    out = []
    for url in urls:
        source = f"OCSP {url}"
        key = hashlib.sha256(
            issuer.spki_sha256 + leaf.serial.to_bytes(32, "big", signed=True) + url.encode()
        ).hexdigest()[:32]
        der = _cached(key)
        if der is None:
            request = (
                ocsp.OCSPRequestBuilder().add_certificate(leaf.x, issuer.x, hashes.SHA1()).build()
            )
            try:
                der = _http(
                    url,
                    data=request.public_bytes(serialization.Encoding.DER),
                    timeout=timeout,
                    limit=MAX_RESPONSE,
                )
            except Exception as exc:
                out.append(RevocationStatus("unreachable", source, f"{type(exc).__name__}: {exc}"))
                continue
            with contextlib.suppress(ValueError):
                _store(key, der, ocsp.load_der_ocsp_response(der).next_update_utc)
        out.append(check_ocsp(der, leaf, issuer, source))
    return out


def fetch_crl(leaf: Cert, issuer: Cert, *, timeout: float) -> list[RevocationStatus]:
    from cryptography import x509

    cdp = leaf.ext_value(x509.CRLDistributionPoints)
    urls = [
        n.value
        for point in (cdp or [])
        for n in (point.full_name or [])
        if isinstance(n, x509.UniformResourceIdentifier)
        and n.value.startswith(("http://", "https://"))
    ][:2]
    out = []
    for url in urls:
        source = f"CRL {url}"
        try:
            raw = _http(url, data=None, timeout=timeout, limit=MAX_CRL)
            crl = (
                x509.load_der_x509_crl(raw)
                if not raw.startswith(b"-----")
                else x509.load_pem_x509_crl(raw)
            )
        except Exception as exc:
            out.append(RevocationStatus("unreachable", source, f"{type(exc).__name__}: {exc}"))
            continue
        if not crl.is_signature_valid(issuer.public_key):
            out.append(RevocationStatus("unknown", source, "the CRL is not signed by the issuer"))
            continue
        entry = crl.get_revoked_certificate_by_serial_number(leaf.serial)
        if entry is None:
            out.append(RevocationStatus("good", source))
            continue
        reason = "unspecified"
        with contextlib.suppress(x509.ExtensionNotFound):
            reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
        when = entry.revocation_date_utc
        out.append(
            RevocationStatus("revoked", source, f"revoked {when:%Y-%m-%d} ({reason})", reason, when)
        )
    return out


def scts(leaf: Cert) -> tuple[Sct, ...]:
    """The SCTs embedded in the certificate (precertificate SCT extension)."""
    from cryptography import x509

    try:
        ext = leaf.ext_value(x509.PrecertificateSignedCertificateTimestamps)
    except Exception:  # an undecodable SCT list is no SCT
        return ()
    return tuple(
        Sct(s.log_id.hex(), s.timestamp.replace(tzinfo=UTC), "embedded")
        for s in list(ext or [])[:MAX_SCTS]
    )


def sct_list(data: bytes, where: str) -> tuple[Sct, ...]:
    """A SignedCertificateTimestampList as sent in the TLS extension (RFC 6962 3.3):
    log ids and times, bounded; a malformed list yields what parsed before the fault."""
    out: list[Sct] = []
    if len(data) < 2:
        return ()
    end = min(len(data), 2 + int.from_bytes(data[:2], "big"))
    pos = 2
    while pos + 2 <= end and len(out) < MAX_SCTS:
        size = int.from_bytes(data[pos : pos + 2], "big")
        item = data[pos + 2 : pos + 2 + size]
        pos += 2 + size
        if len(item) != size or size < 43 or item[0] != 0:  # v1: version, id, time, ...
            break
        millis = int.from_bytes(item[33:41], "big")
        try:
            when = datetime.fromtimestamp(millis / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            continue
        out.append(Sct(item[1:33].hex(), when, where))
    return tuple(out)


def staple_scts(der: bytes) -> tuple[Sct, ...]:
    """SCTs in a stapled OCSP response's single extensions (RFC 6962 3.3)."""
    from cryptography import x509
    from cryptography.x509 import ocsp

    try:
        resp = ocsp.load_der_ocsp_response(der)
        if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            return ()
        ext = resp.single_extensions.get_extension_for_class(x509.SignedCertificateTimestamps)
    except Exception:  # no extension, or one that does not decode: no SCT
        return ()
    return tuple(
        Sct(s.log_id.hex(), s.timestamp.replace(tzinfo=UTC), "stapled OCSP")
        for s in list(ext.value)[:MAX_SCTS]
    )


def must_staple(leaf: Cert) -> bool:
    from cryptography import x509

    feature = leaf.ext_value(x509.TLSFeature)
    return feature is not None and x509.TLSFeatureType.status_request in feature


def check(
    host: str,
    port: int,
    servername: str | None,
    chain: list[Cert],
    *,
    fetch: bool,
    timeout: float,
    java_props: Mapping[str, str] | None = None,
    java_security: Mapping[str, str] | None = None,
    opener: Callable[[], socket.socket] | None = None,
    tls_scts: bytes = b"",
) -> RevocationReport:
    """Revocation status of every certificate of ``chain`` that has its issuer next in
    it: the leaf from the staple (always read), each of them from OCSP and the CRL
    (``fetch``). ``chain`` is the path leaf first, ending with the trust anchor when
    known (the anchor itself is not checked: Java does not check it either).
    ``tls_scts``: the SCT list the server sent in a TLS extension, if any."""
    chain = chain[: MAX_CHECKED + 1]
    leaf = chain[0]
    try:
        staple = stapled_response(host, port, servername, timeout=timeout, opener=opener)
    except Exception:  # no staple can be read: the other sources still count
        staple = None
    per_cert: list[CertRevocation] = []
    for position, (cert, parent) in enumerate(itertools.pairwise(chain)):
        if position and cert.x.subject == cert.x.issuer:
            break  # a self-issued CA: the anchor
        name = cert.display_name
        found: list[RevocationStatus] = []
        if position == 0 and staple is not None:
            found.append(check_ocsp(staple, cert, parent, "stapled OCSP"))
        if fetch:
            found += fetch_ocsp(cert, parent, timeout=timeout)
            found += fetch_crl(cert, parent, timeout=timeout)
        found = [s._replace(subject=name, position=position) for s in found]
        per_cert.append(CertRevocation(name, position, tuple(found)))
    checks, flags = java_checks_revocation(java_props or {}, java_security or {})
    found_scts = scts(leaf) + sct_list(tls_scts, "TLS extension")
    if staple is not None:
        found_scts += staple_scts(staple)
    return RevocationReport(
        tuple(per_cert), staple is not None, must_staple(leaf), found_scts[:MAX_SCTS], checks, flags
    )
