"""Revocation on loopback: a stapled REVOKED response (``openssl s_server -status_file``),
an OCSP responder and a CRL over HTTP, a must-staple certificate without a staple,
and what a real JVM does with each (nothing, unless told to check)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.net import revocation
from sslpoke.pki.certs import Cert
from sslpoke.problems import Code, Severity
from tests.integration.test_audit import s_server

NOW = datetime.now(UTC)


class Responder:
    """OCSP (POST /ocsp) and CRL (GET /crl) over HTTP on loopback; counts requests."""

    def __init__(self) -> None:
        self.ocsp: bytes | None = None
        self.by_serial: dict[int, bytes] = {}  # answers per certificate, when set
        self.crl: bytes | None = None
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, body: bytes | None, kind: str) -> None:
                outer.hits.append(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _ocsp(self, request: bytes) -> None:
                answer = outer.ocsp
                if outer.by_serial:
                    serial = ocsp.load_der_ocsp_request(request).serial_number
                    answer = outer.by_serial.get(serial)
                self._send(answer, "application/ocsp-response")

            def do_POST(self) -> None:
                self._ocsp(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def do_GET(self) -> None:
                if self.path.startswith(
                    "/ocsp/"
                ):  # RFC 6960 GET (Java's default for small requests)
                    import base64
                    import urllib.parse

                    self._ocsp(base64.b64decode(urllib.parse.unquote(self.path[6:])))
                    return
                self._send(outer.crl, "application/pkix-crl")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def responder() -> Iterator[Responder]:
    r = Responder()
    try:
        yield r
    finally:
        r.close()


def leaf_with(
    lab: Lab, url: str, *, must_staple: bool = False
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    inter = lab.inter
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(inter.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{url}/ocsp"),
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{url}/crl")], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(inter.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if must_staple:
        builder = builder.add_extension(
            x509.TLSFeature([x509.TLSFeatureType.status_request]), critical=False
        )
    return builder.sign(inter.key, hashes.SHA256()), key  # type: ignore[arg-type]


def ocsp_response(
    lab: Lab, leaf: x509.Certificate, status: ocsp.OCSPCertStatus, *, by_root: bool = False
) -> bytes:
    inter = lab.root if by_root else lab.inter
    revoked = status is ocsp.OCSPCertStatus.REVOKED
    resp = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf,
            issuer=inter.cert,
            algorithm=hashes.SHA1(),
            cert_status=status,
            this_update=NOW - timedelta(hours=1),
            next_update=NOW + timedelta(days=1),
            revocation_time=NOW - timedelta(hours=2) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, inter.cert)
        .sign(inter.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return resp.public_bytes(serialization.Encoding.DER)


def crl_revoking(lab: Lab, leaf: x509.Certificate) -> bytes:
    inter = lab.inter
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(leaf.serial_number)
        .revocation_date(NOW - timedelta(hours=3))
        .add_extension(x509.CRLReason(x509.ReasonFlags.superseded), critical=False)
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(inter.cert.subject)
        .last_update(NOW - timedelta(hours=3))
        .next_update(NOW + timedelta(days=1))
        .add_revoked_certificate(entry)
        .sign(inter.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return crl.public_bytes(serialization.Encoding.DER)


def files(
    tmp: Path, lab: Lab, leaf: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> list[str]:
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp / "chain.pem").write_bytes(lab.inter.pem)
    (tmp / "root.pem").write_bytes(lab.root.pem)
    return [
        "-cert",
        str(tmp / "leaf.pem"),
        "-key",
        str(tmp / "leaf.key"),
        "-cert_chain",
        str(tmp / "chain.pem"),
    ]


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_stapled_revoked_response(lab: Lab, tmp_path: Path) -> None:
    with responder() as r:
        leaf, key = leaf_with(lab, r.url)
        (tmp_path / "staple.der").write_bytes(ocsp_response(lab, leaf, ocsp.OCSPCertStatus.REVOKED))
        args = files(tmp_path, lab, leaf, key)
        with s_server(*args, "-status_file", str(tmp_path / "staple.der")) as port:
            staple = revocation.stapled_response("127.0.0.1", port, "localhost", timeout=5)
            java = sslpoke.probe(
                "localhost",
                port,
                truststore=str(tmp_path / "root.pem"),
                reference=False,
                revocation=True,
            )
            web = sslpoke.probe(
                "localhost",
                port,
                truststore=str(tmp_path / "root.pem"),
                reference=False,
                revocation=True,
                profile="webpki",
            )
            audit = sslpoke.audit(
                "localhost", port, truststore=str(tmp_path / "root.pem"), javas="reference"
            )
    assert staple is not None
    status = revocation.check_ocsp(
        staple,
        Cert(leaf.public_bytes(serialization.Encoding.DER)),
        Cert(lab.inter.der),
        "stapled OCSP",
    )
    assert status.status == "revoked" and status.reason == "key_compromise"
    (problem,) = [p for p in java.problems if p.code is Code.REVOKED]
    assert problem.severity is Severity.WARNING and java.ok  # a default Java accepts it
    assert "stapled OCSP" in problem.message and "does not check revocation" in problem.message
    assert not web.ok and web.errors[0].code is Code.REVOKED
    assert (
        audit.revocation is not None
        and audit.revocation.status == "revoked"
        and audit.revocation.staple
    )
    assert any(f.id == "cert_revocation" and f.severity == "CRITICAL" for f in audit.findings)


def test_fetched_ocsp_then_crl(lab: Lab, tmp_path: Path) -> None:
    with responder() as r:
        leaf, key = leaf_with(lab, r.url)
        r.ocsp = ocsp_response(lab, leaf, ocsp.OCSPCertStatus.GOOD)
        r.crl = crl_revoking(lab, leaf)
        args = files(tmp_path, lab, leaf, key)
        with s_server(*args) as port:
            chain = [Cert(leaf.public_bytes(serialization.Encoding.DER)), Cert(lab.inter.der)]
            report = revocation.check("127.0.0.1", port, "localhost", chain, fetch=True, timeout=5)
            again = revocation.check("127.0.0.1", port, "localhost", chain, fetch=True, timeout=5)
            r.ocsp = None  # the responder now fails: the CRL still answers
            r.crl = None
            gone = revocation.check("127.0.0.1", port, "localhost", chain, fetch=True, timeout=5)
    got = {s.source.split()[0]: s.status for s in report.statuses}
    assert got == {"OCSP": "good", "CRL": "revoked"} and report.status == "revoked"
    assert not report.staple and not report.java_checks
    assert r.hits.count("/ocsp") == 1, "the second check answered from the cache (until nextUpdate)"
    assert {s.status for s in again.statuses} == {"good", "revoked"}
    assert {s.source.split()[0]: s.status for s in gone.statuses} == {
        "OCSP": "good",
        "CRL": "unreachable",
    }


def test_must_staple_without_a_staple(lab: Lab, tmp_path: Path) -> None:
    with responder() as r:
        leaf, key = leaf_with(lab, r.url, must_staple=True)
        r.ocsp = ocsp_response(lab, leaf, ocsp.OCSPCertStatus.GOOD)
        args = files(tmp_path, lab, leaf, key)
        with s_server(*args) as port:
            report = sslpoke.probe(
                "localhost",
                port,
                truststore=str(tmp_path / "root.pem"),
                reference=False,
                revocation=True,
            )
    (problem,) = [p for p in report.problems if p.code is Code.REVOCATION_UNKNOWN]
    assert "must-staple" in problem.message and problem.severity is Severity.WARNING


def test_java_flags_decide() -> None:
    assert revocation.java_checks_revocation({}, {})[0] is False
    on, how = revocation.java_checks_revocation(
        {"com.sun.net.ssl.checkRevocation": "true"}, {"ocsp.enable": "true"}
    )
    assert on and "OCSP" in how


@pytest.mark.jvm
def test_the_jvm_accepts_a_revoked_staple_unless_told_to_check(
    lab: Lab, tmp_path: Path, java: str, probe_classes: Path
) -> None:
    """What sslpoke says of Java, asked of Java: a default JVM connects to a server whose
    certificate is revoked (staple and all); told to check, it refuses it; and checking
    covers the intermediate too, which fails when nothing can answer for it."""
    import shutil

    from tests.conftest import keytool_import, run_java_probe

    keytool = shutil.which("keytool") or "keytool"
    with responder() as r:
        leaf, key = leaf_with(lab, r.url)
        (tmp_path / "staple.der").write_bytes(ocsp_response(lab, leaf, ocsp.OCSPCertStatus.REVOKED))
        args = files(tmp_path, lab, leaf, key)
        store = tmp_path / "trust.p12"
        keytool_import(keytool, store, tmp_path / "root.pem", "root", "pkcs12")
        plain = tmp_path / "ocsp.security"
        plain.write_text("ocsp.enable=true\n")
        via = tmp_path / "ocsp-responder.security"
        via.write_text(f"ocsp.enable=true\nocsp.responderURL={r.url}/ocsp\n")
        r.by_serial = {
            lab.inter.cert.serial_number: ocsp_response(
                lab, lab.inter.cert, ocsp.OCSPCertStatus.GOOD, by_root=True
            ),
            leaf.serial_number: ocsp_response(lab, leaf, ocsp.OCSPCertStatus.REVOKED),
        }
        check = "-Dcom.sun.net.ssl.checkRevocation=true"
        with s_server(*args, "-status_file", str(tmp_path / "staple.der")) as port:
            default = run_java_probe(java, probe_classes, port, store)
            unanswered = run_java_probe(
                java,
                probe_classes,
                port,
                store,
                extra=[check, f"-Djava.security.properties={plain}"],
            )
            checking = run_java_probe(
                java, probe_classes, port, store, extra=[check, f"-Djava.security.properties={via}"]
            )
    assert default["https"].startswith("OK"), default
    assert "does not specify OCSP responder" in unanswered["https"], unanswered
    assert "Certificate has been revoked" in checking["https"], checking
