"""Revocation on loopback: a stapled REVOKED response (``openssl s_server -status_file``),
an OCSP responder and a CRL over HTTP, a must-staple certificate without a staple,
and what a real JVM does with each (nothing, unless told to check)."""

from __future__ import annotations

import contextlib
import http.server
import socket
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
from sslpoke.lab.pki import Issued, issue
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
        self.crls: dict[str, bytes] = {}  # CRLs per path, when set
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
                self._send(outer.crls.get(self.path, outer.crl), "application/pkix-crl")

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
    """An answer for a certificate of the lab's chain: by the intermediate, or the root."""
    return ocsp_for(leaf, lab.root if by_root else lab.inter, status)


def crl_revoking(lab: Lab, leaf: x509.Certificate) -> bytes:
    return crl_of(lab.inter, [leaf])


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


# --- every certificate of the path, SCTs from every source, STARTTLS ------------------


def pointers(url: str, name: str) -> list[x509.ExtensionType]:
    """AIA (OCSP) and CRL DP extensions pointing at the loopback responder."""
    return [
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(f"{url}/ocsp"),
                )
            ]
        ),
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    [x509.UniformResourceIdentifier(f"{url}/crl/{name}")], None, None, None
                )
            ]
        ),
    ]


def ocsp_for(
    cert: x509.Certificate,
    issuer: Issued,
    status: ocsp.OCSPCertStatus,
    reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
) -> bytes:
    revoked = status is ocsp.OCSPCertStatus.REVOKED
    return (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=cert,
            issuer=issuer.cert,
            algorithm=hashes.SHA1(),
            cert_status=status,
            this_update=NOW - timedelta(hours=1),
            next_update=NOW + timedelta(days=1),
            revocation_time=NOW - timedelta(hours=2) if revoked else None,
            revocation_reason=reason if revoked else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
        .sign(issuer.key, hashes.SHA256())  # type: ignore[arg-type]
        .public_bytes(serialization.Encoding.DER)
    )


def crl_of(issuer: Issued, revoked: list[x509.Certificate]) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(NOW - timedelta(hours=3))
        .next_update(NOW + timedelta(days=1))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(NOW - timedelta(hours=3))
            .add_extension(x509.CRLReason(x509.ReasonFlags.ca_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def hierarchy(lab: Lab, url: str, tmp: Path) -> tuple[Issued, Issued, list[str]]:
    """root -> an intermediate with its own OCSP/CRL pointers -> a leaf with its own;
    the s_server arguments serving leaf + intermediate."""
    inter = issue("Pointed Intermediate CA", lab.root, ca=True, extensions=pointers(url, "root"))
    leaf = issue("localhost", inter, sans=["localhost"], extensions=pointers(url, "inter"))
    (tmp / "leaf.pem").write_bytes(leaf.pem)
    (tmp / "leaf.key").write_bytes(leaf.key_pem)
    (tmp / "chain.pem").write_bytes(inter.pem)
    (tmp / "root.pem").write_bytes(lab.root.pem)
    args = ["-cert", str(tmp / "leaf.pem"), "-key", str(tmp / "leaf.key")]
    return inter, leaf, [*args, "-cert_chain", str(tmp / "chain.pem")]


def answer_revoked_intermediate(r: Responder, lab: Lab, inter: Issued, leaf: Issued) -> None:
    """The responder says: the intermediate is revoked (CA_COMPROMISE, signed by the root),
    the leaf is good (signed by the intermediate)."""
    r.by_serial = {
        inter.cert.serial_number: ocsp_for(
            inter.cert, lab.root, ocsp.OCSPCertStatus.REVOKED, x509.ReasonFlags.ca_compromise
        ),
        leaf.cert.serial_number: ocsp_for(leaf.cert, inter, ocsp.OCSPCertStatus.GOOD),
    }


def test_every_certificate_of_the_path_is_checked(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The intermediate is revoked (OCSP from the root, and the root's CRL), the leaf is
    good: the probe blames the CA by name, the audit lists both certificates."""
    from sslpoke.audit.render import to_dict

    with responder() as r:
        inter, leaf, args = hierarchy(lab, r.url, tmp_path)
        answer_revoked_intermediate(r, lab, inter, leaf)
        r.crls = {"/crl/root": crl_of(lab.root, [inter.cert]), "/crl/inter": crl_of(inter, [])}
        with s_server(*args) as port:
            report = sslpoke.probe(
                "localhost", port, truststore=str(tmp_path / "root.pem"), revocation=True
            )
            audit = sslpoke.audit(
                "localhost",
                port,
                truststore=str(tmp_path / "root.pem"),
                javas="reference",
                revocation=True,
            )
            r.by_serial = {  # the CA's status now cannot be learnt: nothing answers for it
                leaf.cert.serial_number: ocsp_for(leaf.cert, inter, ocsp.OCSPCertStatus.GOOD)
            }
            r.crls = {"/crl/inter": crl_of(inter, [])}
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))  # not the answers above
            unknown = sslpoke.probe(
                "localhost", port, truststore=str(tmp_path / "root.pem"), revocation=True
            )
    (problem,) = [p for p in report.problems if p.code is Code.REVOKED]
    assert problem.message.startswith("CA Pointed Intermediate CA is revoked"), problem.message
    assert "ca_compromise" in problem.message and "current intermediate" in problem.fix
    assert report.ok and problem.severity is Severity.WARNING  # a default Java connects
    rev = audit.revocation
    assert rev is not None and rev.status == "revoked"
    by_position = {c.position: c for c in rev.certificates}
    assert set(by_position) == {0, 1}, "the anchor itself is not checked (Java does not either)"
    assert by_position[0].status == "good" and by_position[1].status == "revoked"
    assert {s.source.split()[0] for s in by_position[1].statuses} == {"OCSP", "CRL"}
    assert all(s.status == "revoked" for s in by_position[1].statuses)
    (finding,) = [f for f in audit.findings if f.id == "cert_revocation"]
    assert "CA Pointed Intermediate CA" in finding.finding and finding.severity == "CRITICAL"
    data = to_dict(audit)
    assert [c["status"] for c in data["revocation"]["certificates"]] == ["good", "revoked"]
    (gap,) = [p for p in unknown.problems if p.code is Code.REVOCATION_UNKNOWN]
    assert "(for CA Pointed Intermediate CA)" in gap.message, gap.message
    assert not any(p.code is Code.REVOKED for p in unknown.problems)


@pytest.mark.jvm
def test_the_jvm_checks_the_intermediate_too(
    lab: Lab, tmp_path: Path, java: str, probe_classes: Path
) -> None:
    """Judged by a JVM told to check revocation (OCSP from the certificates' AIA): it
    refuses the path for the revoked intermediate, with the CA's reason, as sslpoke
    says; by default it connects, as sslpoke says too."""
    import shutil

    from tests.conftest import keytool_import, run_java_probe

    keytool = shutil.which("keytool") or "keytool"
    with responder() as r:
        inter, leaf, args = hierarchy(lab, r.url, tmp_path)
        answer_revoked_intermediate(r, lab, inter, leaf)
        store = tmp_path / "trust.p12"
        keytool_import(keytool, store, tmp_path / "root.pem", "root", "pkcs12")
        props = tmp_path / "ocsp.security"
        props.write_text("ocsp.enable=true\n")
        with s_server(*args) as port:
            ours = sslpoke.probe(
                "localhost", port, truststore=str(tmp_path / "root.pem"), revocation=True
            )
            default = run_java_probe(java, probe_classes, port, store)
            checking = run_java_probe(
                java,
                probe_classes,
                port,
                store,
                extra=[
                    "-Dcom.sun.net.ssl.checkRevocation=true",
                    f"-Djava.security.properties={props}",
                ],
            )
    (problem,) = [p for p in ours.problems if p.code is Code.REVOKED]
    assert "CA Pointed Intermediate CA" in problem.message and ours.ok
    assert default["https"].startswith("OK"), default
    assert "Certificate has been revoked, reason: CA_COMPROMISE" in checking["https"], checking


def sct(log: int, when: datetime) -> bytes:
    """One v1 SCT (RFC 6962 3.2) with log id ``log`` repeated; the signature is filler."""
    millis = int(when.timestamp() * 1000)
    return (
        b"\x00"
        + bytes([log]) * 32
        + millis.to_bytes(8, "big")
        + b"\x00\x00"  # no extensions
        + b"\x04\x03"  # SHA-256 / ECDSA
        + (8).to_bytes(2, "big")
        + b"\x30\x06\x02\x01\x01\x02\x01\x01"
    )


def sct_list(*items: bytes) -> bytes:
    body = b"".join(len(i).to_bytes(2, "big") + i for i in items)
    return len(body).to_bytes(2, "big") + body


SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")  # in a certificate
SCT_OCSP_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.5")  # in an OCSP response


def with_single_extension(der: bytes, issuer: Issued, oid_der: bytes, value: bytes) -> bytes:
    """The OCSP response with one more extension in its SingleResponse, re-signed
    (cryptography's builder writes response extensions only)."""
    from sslpoke import asn1

    top = asn1.read_tlv(der)
    status, wrapped = asn1.children(der, top)
    inner = next(asn1.children(der, wrapped))
    oid, octet = asn1.children(der, inner)
    basic_der = octet.value(der)
    basic = asn1.read_tlv(basic_der)
    tbs, _alg, _sig, *rest = asn1.children(basic_der, basic)
    parts = list(asn1.children(basic_der, tbs))
    responses = next(p for p in parts if p.tag == 0x30 and p.start > parts[1].start)
    (single,) = asn1.children(basic_der, responses)
    extension = asn1.seq(oid_der, asn1.encode(0x04, value))
    new_single = asn1.encode(0x30, single.value(basic_der) + asn1.encode(0xA1, asn1.seq(extension)))
    new_tbs = asn1.encode(
        0x30,
        b"".join(asn1.seq(new_single) if p == responses else p.raw(basic_der) for p in parts),
    )
    signature = issuer.key.sign(new_tbs, ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, arg-type]
    new_basic = asn1.seq(
        new_tbs,
        asn1.seq(asn1.encode(0x06, bytes.fromhex("2a8648ce3d040302"))),  # ecdsa-with-SHA256
        asn1.encode(0x03, b"\x00" + signature),
        *(p.raw(basic_der) for p in rest),
    )
    return asn1.seq(
        status.raw(der),
        asn1.encode(0xA0, asn1.seq(oid.raw(der), asn1.encode(0x04, new_basic))),
    )


def test_scts_from_every_source(lab: Lab, tmp_path: Path) -> None:
    """Embedded in the certificate, in the TLS extension (TLS 1.2 ServerHello, served
    with s_server -serverinfo) and in the stapled OCSP response: all three counted,
    with their log ids and times."""
    import base64

    t1, t2, t3 = (NOW - timedelta(days=d) for d in (3, 2, 1))
    inter = lab.inter
    assert isinstance(inter.key, ec.EllipticCurvePrivateKey), "the lab intermediate signs ECDSA"
    embedded = x509.UnrecognizedExtension(SCT_OID, asn1_octets(sct_list(sct(0xA1, t1))))
    leaf = issue("localhost", inter, sans=["localhost"], extensions=[embedded])
    staple = with_single_extension(
        ocsp_for(leaf.cert, inter, ocsp.OCSPCertStatus.GOOD),
        inter,
        bytes.fromhex("060a2b06010401d679020405"),
        asn1_octets(sct_list(sct(0xC3, t3))),
    )
    assert ocsp.load_der_ocsp_response(staple).certificate_status is ocsp.OCSPCertStatus.GOOD
    (tmp_path / "staple.der").write_bytes(staple)
    extension = sct_list(sct(0xB2, t2))
    serverinfo = (18).to_bytes(2, "big") + len(extension).to_bytes(2, "big") + extension
    (tmp_path / "serverinfo.pem").write_text(
        "-----BEGIN SERVERINFO FOR localhost-----\n"
        + base64.encodebytes(serverinfo).decode()
        + "-----END SERVERINFO FOR localhost-----\n"
    )
    (tmp_path / "leaf.pem").write_bytes(leaf.pem)
    (tmp_path / "leaf.key").write_bytes(leaf.key_pem)
    (tmp_path / "chain.pem").write_bytes(inter.pem)
    (tmp_path / "root.pem").write_bytes(lab.root.pem)
    with s_server(
        "-cert", str(tmp_path / "leaf.pem"),
        "-key", str(tmp_path / "leaf.key"),
        "-cert_chain", str(tmp_path / "chain.pem"),
        "-serverinfo", str(tmp_path / "serverinfo.pem"),
        "-status_file", str(tmp_path / "staple.der"),
    ) as port:  # fmt: skip
        audit = sslpoke.audit(
            "localhost", port, truststore=str(tmp_path / "root.pem"), javas="reference"
        )
    assert audit.revocation is not None and audit.revocation.staple
    got = {(s.where, s.log_id[:2], s.timestamp.date()) for s in audit.revocation.scts}
    assert got == {
        ("embedded", "a1", t1.date()),
        ("TLS extension", "b2", t2.date()),
        ("stapled OCSP", "c3", t3.date()),
    }
    (finding,) = [f for f in audit.findings if f.id == "certificate_transparency"]
    assert "3 SCTs" in finding.finding and "Java does not check CT" in finding.finding


def asn1_octets(data: bytes) -> bytes:
    """An extension value: the OCTET STRING that wraps the TLS-encoded SCT list."""
    from sslpoke import asn1

    return asn1.encode(0x04, data)


def test_sct_list_is_bounded_and_tolerant() -> None:
    one = sct(0x01, NOW)
    assert len(revocation.sct_list(sct_list(*[one] * 100), "TLS extension")) == revocation.MAX_SCTS
    assert revocation.sct_list(b"\x00", "x") == ()
    assert revocation.sct_list(sct_list(one)[:-5], "x") == ()  # truncated: nothing invented
    assert revocation.sct_list(sct_list(b"\x01" + one[1:]), "x") == ()  # unknown version
    assert revocation.staple_scts(b"not der") == ()


def test_staple_over_starttls(lab: Lab, tmp_path: Path) -> None:
    """An SMTP server that staples after STARTTLS (pyOpenSSL on the server side): the
    staple is read through the same dialect, for the probe and for the audit."""
    from OpenSSL import SSL

    from tests.integration.test_starttls_dialects import smtp
    from tests.rawservers import raw_server

    with responder() as r:
        leaf, key = leaf_with(lab, r.url)
        staple = ocsp_response(lab, leaf, ocsp.OCSPCertStatus.REVOKED)
        files(tmp_path, lab, leaf, key)
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.use_certificate_file(str(tmp_path / "leaf.pem"))
        ctx.add_extra_chain_cert(lab.inter.cert)  # type: ignore[arg-type]
        ctx.use_privatekey_file(str(tmp_path / "leaf.key"))
        ctx.set_ocsp_server_callback(lambda conn, data: staple)

        def handler(conn: socket.socket) -> None:
            smtp(conn)
            tls = SSL.Connection(ctx, conn)
            tls.set_accept_state()
            with contextlib.suppress(SSL.Error, OSError):
                tls.do_handshake()
                tls.recv(1)

        with raw_server(handler) as port:
            report = sslpoke.probe(
                "localhost",
                port,
                starttls="smtp",
                truststore=str(tmp_path / "root.pem"),
                revocation=True,
                reference=False,
            )
            audit = sslpoke.audit(
                "localhost",
                port,
                starttls="smtp",
                truststore=str(tmp_path / "root.pem"),
                javas="reference",
            )
    (problem,) = [p for p in report.problems if p.code is Code.REVOKED]
    assert "stapled OCSP" in problem.message and "server's certificate" in problem.message
    assert audit.revocation is not None and audit.revocation.staple
    assert audit.revocation.status == "revoked"
