"""Every protocol diagnosed end to end against its real server from Debian's packages.

nginx (HTTPS, with and without its intermediate), postfix (SMTP STARTTLS, submission,
SMTPS, with SASL from dovecot), dovecot (IMAP, IMAPS, POP3, POP3S; plaintext login
allowed or not), slapd (LDAP StartTLS, LDAPS), PostgreSQL (SSLRequest), vsftpd
(FTP AUTH TLS, implicit FTPS, no TLS), prosody (XMPP STARTTLS and direct TLS) and
MariaDB (the MySQL protocol's SSL request, with and without TLS). A test skips
only when its server is not installed, and says which package to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.problems import Code
from tests.servers import realservers as rs

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def pki() -> Iterator[dict[str, Path]]:
    lab = Lab()
    with rs.server_dir("tls") as folder:
        leaf = lab.leaf()
        full = rs.tls_files(folder, leaf, [lab.inter], "full")
        bare = rs.tls_files(folder, leaf, [], "bare")
        store = folder / "root.pem"
        store.write_bytes(lab.root.pem)
        yield {
            "cert": full[0],
            "key": full[1],
            "bare_cert": bare[0],
            "bare_key": bare[1],
            "store": store,
        }


@pytest.fixture(scope="module")
def web(pki: dict[str, Path]) -> Iterator[dict[str, int]]:
    sites = {"full": (pki["cert"], pki["key"]), "bare": (pki["bare_cert"], pki["bare_key"])}
    with rs.server_dir("nginx") as folder, rs.nginx(folder, sites) as ports:
        yield ports


@pytest.fixture(scope="module")
def mail(pki: dict[str, Path]) -> Iterator[dict[str, dict[str, object]]]:
    """Two dovecots (strict: plain/login only over TLS; lax: plaintext allowed, CRAM-MD5 only)
    and a postfix using each one's SASL."""
    with (
        rs.server_dir("dovecot-strict") as d1,
        rs.server_dir("dovecot-lax") as d2,
        rs.server_dir("postfix-plain") as p1,
        rs.server_dir("postfix-cram") as p2,
        rs.dovecot(d1, pki["cert"], pki["key"], plaintext_without_tls=False) as strict,
        rs.dovecot(
            d2, pki["cert"], pki["key"], plaintext_without_tls=True, mechanisms="cram-md5"
        ) as lax,
        rs.postfix(p1, pki["cert"], pki["key"], sasl_socket=strict["auth_socket"]) as smtp_plain,  # type: ignore[arg-type]
        rs.postfix(p2, pki["cert"], pki["key"], sasl_socket=lax["auth_socket"]) as smtp_cram,  # type: ignore[arg-type]
    ):
        yield {"strict": strict, "lax": lax, "smtp_plain": smtp_plain, "smtp_cram": smtp_cram}  # type: ignore[dict-item]


@pytest.fixture(scope="module")
def ldap(pki: dict[str, Path]) -> Iterator[dict[str, dict[str, int]]]:
    with (
        rs.server_dir("slapd") as d1,
        rs.server_dir("slapd-notls") as d2,
        rs.slapd(d1, pki["cert"], pki["key"]) as tls,
        rs.slapd(d2, None, None) as plain,
    ):
        yield {"tls": tls, "plain": plain}


def probe(spec: str, store: Path, **kw: object) -> sslpoke.Report:
    report = sslpoke.probe(spec, truststore=store, timeout=10, reference=False, **kw)  # type: ignore[arg-type]
    return report


def codes(report: sslpoke.Report) -> list[str]:
    return [p.code.value for p in report.problems]


# --- HTTPS -----------------------------------------------------------------------------


def test_nginx_full_chain(web: dict[str, int], pki: dict[str, Path]) -> None:
    report = probe(f"https://localhost:{web['full']}/", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.version in ("TLSv1.3", "TLSv1.2")
    assert len(report.chain) == 2


def test_nginx_without_intermediate(web: dict[str, int], pki: dict[str, Path]) -> None:
    report = probe(f"https://localhost:{web['bare']}/", pki["store"])
    assert not report.ok and report.errors[0].code is Code.INCOMPLETE_CHAIN
    assert "sslpoke Lab Intermediate CA" in report.errors[0].message


# --- SMTP ------------------------------------------------------------------------------


def test_smtp_starttls_with_auth_only_after_tls(
    mail: dict[str, dict[str, int]], pki: dict[str, Path]
) -> None:
    report = probe(f"smtp://localhost:{mail['smtp_plain']['smtp']}", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == "smtp"
    assert report.tls.greeting and "ESMTP" in report.tls.greeting
    assert report.tls.auth_before_tls == ()  # smtpd_tls_auth_only
    assert set(report.tls.auth_after_tls or ()) >= {"PLAIN", "LOGIN"}
    assert not {"no-plaintext-auth", "plaintext-auth-before-tls"} & set(codes(report))


def test_submission_port(mail: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    report = probe(f"submission://localhost:{mail['smtp_plain']['submission']}", pki["store"])
    assert report.ok and report.tls is not None and report.tls.starttls == "smtp"


def test_smtps_implicit_tls(mail: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    report = probe(f"smtps://localhost:{mail['smtp_plain']['smtps']}", pki["store"])
    assert report.ok and report.tls is not None and report.tls.starttls is None
    assert "PLAIN" in (report.tls.auth_after_tls or ())


def test_smtp_without_plain_or_login(mail: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    report = probe(f"smtp://localhost:{mail['smtp_cram']['smtp']}", pki["store"])
    assert report.ok  # trusted; the warning is about authentication
    warning = next(p for p in report.problems if p.code is Code.NO_PLAINTEXT_AUTH)
    assert "CRAM-MD5" in warning.message


# --- IMAP and POP3 -----------------------------------------------------------------------


def test_imap_starttls_strict(mail: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    # dovecot treats 127.0.0.1 -> 127.0.0.1 as secure; from 127.0.0.2 it hides plaintext login before TLS.
    report = probe(
        f"imap://localhost:{mail['strict']['imap']}", pki["store"], source_address=("127.0.0.2", 0)
    )
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == "imap"
    assert report.tls.auth_before_tls == ()
    assert "PLAIN" in (report.tls.auth_after_tls or ())
    assert not {"no-plaintext-auth", "plaintext-auth-before-tls"} & set(codes(report))


def test_imap_plaintext_login_before_tls(
    mail: dict[str, dict[str, int]], pki: dict[str, Path]
) -> None:
    report = probe(
        f"imap://localhost:{mail['lax']['imap']}", pki["store"], source_address=("127.0.0.2", 0)
    )
    assert report.ok
    assert Code.PLAINTEXT_AUTH_BEFORE_TLS in [p.code for p in report.warnings]


@pytest.mark.parametrize(
    ("scheme", "port", "starttls"),
    [("imaps", "imaps", None), ("pop3", "pop3", "pop3"), ("pop3s", "pop3s", None)],
)
def test_other_mail_ports(
    mail: dict[str, dict[str, int]],
    pki: dict[str, Path],
    scheme: str,
    port: str,
    starttls: str | None,
) -> None:
    report = probe(
        f"{scheme}://localhost:{mail['strict'][port]}",
        pki["store"],
        source_address=("127.0.0.2", 0),
    )
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == starttls
    assert report.tls.auth_after_tls is not None


def test_starttls_on_a_tls_port_is_a_protocol_mismatch(
    mail: dict[str, dict[str, int]], pki: dict[str, Path]
) -> None:
    report = sslpoke.probe(
        f"localhost:{mail['strict']['imaps']}",
        truststore=pki["store"],
        starttls="imap",
        timeout=2,
        reference=False,
    )
    assert not report.ok and report.exit_code == 3
    # dovecot waits for a TLS hello, sslpoke for an IMAP greeting; after a short silence
    # sslpoke finds the port answers TLS, and says what to do
    assert report.errors[0].code is Code.PROTOCOL_MISMATCH, report.errors[0]
    assert "speaks TLS directly" in report.errors[0].message
    assert "--no-starttls" in report.errors[0].message


def test_tls_on_a_starttls_port_is_a_protocol_mismatch(
    mail: dict[str, dict[str, int]], pki: dict[str, Path]
) -> None:
    report = probe(f"localhost:{mail['smtp_plain']['smtp']}", pki["store"], no_starttls=True)
    assert report.errors[0].code is Code.PROTOCOL_MISMATCH
    assert "ESMTP" in report.errors[0].message  # the server's own words,
    assert "bad UTF-8" not in report.errors[0].message  # not its complaint about our hello


# --- LDAP ----------------------------------------------------------------------------


def test_ldap_starttls_and_ldaps(ldap: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    starttls = probe(f"ldap://127.0.0.1:{ldap['tls']['ldap']}", pki["store"])
    assert starttls.ok, codes(starttls)
    assert starttls.tls is not None and starttls.tls.starttls == "ldap"
    ldaps = probe(f"ldaps://127.0.0.1:{ldap['tls']['ldaps']}", pki["store"])
    assert ldaps.ok and ldaps.tls is not None and ldaps.tls.starttls is None


def test_ldap_without_tls_refuses_starttls(
    ldap: dict[str, dict[str, int]], pki: dict[str, Path]
) -> None:
    report = probe(f"ldap://127.0.0.1:{ldap['plain']['ldap']}", pki["store"])
    assert report.exit_code == 3
    # slapd without TLS answers the extended operation with protocolError: not offered
    assert report.errors[0].code is Code.STARTTLS_UNSUPPORTED
    assert "resultCode 2" in report.errors[0].message


# --- PostgreSQL ------------------------------------------------------------------------


def test_postgres_ssl_request(pki: dict[str, Path]) -> None:
    with rs.server_dir("postgres") as folder, rs.postgres(folder, pki["cert"], pki["key"]) as ports:
        report = probe(f"postgres://localhost:{ports['postgres']}", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == "postgres"
    assert len(report.chain) == 2


# --- FTP -------------------------------------------------------------------------------


def test_vsftpd_auth_tls(pki: dict[str, Path]) -> None:
    with rs.server_dir("vsftpd") as folder, rs.vsftpd(folder, pki["cert"], pki["key"]) as port:
        report = probe(f"ftp://localhost:{port}", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == "ftp"
    assert report.tls.greeting and "vsFTPd" in report.tls.greeting
    assert len(report.chain) == 2


def test_vsftpd_implicit_ftps(pki: dict[str, Path]) -> None:
    with (
        rs.server_dir("vsftpd-implicit") as folder,
        rs.vsftpd(folder, pki["cert"], pki["key"], implicit=True) as port,
    ):
        report = probe(f"ftps://localhost:{port}", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls is None


def test_vsftpd_without_tls(pki: dict[str, Path]) -> None:
    with rs.server_dir("vsftpd-plain") as folder, rs.vsftpd(folder, None, None) as port:
        report = probe(f"ftp://localhost:{port}", pki["store"])
    assert report.exit_code == 3
    assert report.errors[0].code is Code.STARTTLS_UNSUPPORTED
    assert "no AUTH TLS" in report.errors[0].message  # vsftpd's own FEAT list is quoted


# --- XMPP ------------------------------------------------------------------------------


def test_prosody_starttls_and_direct_tls(pki: dict[str, Path]) -> None:
    with rs.server_dir("prosody") as folder, rs.prosody(folder, pki["cert"], pki["key"]) as ports:
        starttls = probe(f"xmpp://localhost:{ports['xmpp']}", pki["store"])
        direct = probe(f"xmpps://localhost:{ports['xmpps']}", pki["store"])
    assert starttls.ok, codes(starttls)
    assert starttls.tls is not None and starttls.tls.starttls == "xmpp"
    assert direct.ok, codes(direct)
    assert direct.tls is not None and direct.tls.starttls is None
    assert starttls.chain[0].sha256 == direct.chain[0].sha256


# --- MySQL protocol (MariaDB) ---------------------------------------------------------------


def test_mariadb_ssl_request(pki: dict[str, Path]) -> None:
    with rs.server_dir("mariadb") as folder, rs.mariadb(folder, pki["cert"], pki["key"]) as port:
        report = probe(f"mysql://localhost:{port}", pki["store"])
    assert report.ok, codes(report)
    assert report.tls is not None and report.tls.starttls == "mysql"
    assert report.tls.greeting and report.tls.greeting.startswith("MariaDB 10.")


def test_mariadb_without_tls(pki: dict[str, Path]) -> None:
    with rs.server_dir("mariadb-plain") as folder, rs.mariadb(folder, None, None) as port:
        report = probe(f"mysql://localhost:{port}", pki["store"])
    assert report.exit_code == 3
    assert report.errors[0].code is Code.STARTTLS_UNSUPPORTED
    assert "does not offer SSL" in report.errors[0].message


# --- sslpoke audit against the real servers -------------------------------------------


@pytest.mark.jvm
def test_audit_nginx_enumeration_and_java_verdicts(
    web: dict[str, int], pki: dict[str, Path]
) -> None:
    """nginx's suites as openssl s_client sees them, and each local JVM's verdict confirmed."""
    from sslpoke.audit import wire
    from sslpoke.audit.suites import suites
    from tests.integration.test_audit import _openssl_names, s_client_accepts

    port = web["full"]
    report = sslpoke.audit(
        "localhost", port, truststore=str(pki["store"]), javas="local", confirm=True
    )
    table = suites()
    for version in (wire.TLS12, wire.TLS13):
        got = {
            table[c].openssl or table[c].name for c in report.enumeration.versions[version].suites
        }
        want = {n for n in _openssl_names(version) if s_client_accepts(port, version, n)}
        assert got == want, (wire.VERSION_NAMES[version], got ^ want)
    assert report.trusted is True
    for j in report.javas:
        assert j.confirmed is not None and j.ok == j.confirmed.startswith("OK"), j


def test_audit_over_smtp_starttls(mail: dict[str, dict[str, int]], pki: dict[str, Path]) -> None:
    report = sslpoke.audit(
        f"smtp://localhost:{mail['smtp_plain']['smtp']}",
        truststore=str(pki["store"]),
        javas="reference",
    )
    from sslpoke.audit import wire

    assert report.enumeration.versions[wire.TLS12].offered, report.enumeration
    assert report.trusted is True
    java = {j.java: j for j in report.javas}
    assert java["Java 17.0.x"].ok and java["Java 25"].ok, java
    # testssl.sh caps every STARTTLS scan at T; the score underneath is a good server's
    assert report.grade.grade == "T" and report.grade.score >= 80, report.grade
    assert [c for c in report.grade.caps if c.startswith("T")] == [
        "T: STARTTLS (testssl.sh caps every STARTTLS scan: MITM downgrade)"
    ], report.grade
