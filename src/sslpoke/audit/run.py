"""``sslpoke audit``: enumerate, judge each Java, grade; one :class:`AuditReport`."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from sslpoke.audit import wire
from sslpoke.audit.compat import JavaCompat, judge
from sslpoke.audit.enumerate import Enumeration, enumerate_server
from sslpoke.audit.grade import Finding, Grade, findings, grade
from sslpoke.audit.profiles import REFERENCE, JavaProfile, profile_of_jvm
from sslpoke.net.revocation import RevocationReport
from sslpoke.target import Target


class AuditReport(NamedTuple):
    target: str
    enumeration: Enumeration
    javas: tuple[JavaCompat, ...]
    profiles: tuple[JavaProfile, ...]  # the Javas judged, in the order of ``javas``
    findings: tuple[Finding, ...]
    grade: Grade
    trusted: bool | None  # the chain, for the Java sslpoke diagnoses by default
    trust_codes: tuple[str, ...]
    trust_java: str
    seconds: float
    revocation: RevocationReport | None = None
    hsts: str | None = None  # the Strict-Transport-Security header ("" when absent), HTTPS only

    @property
    def ok(self) -> bool:
        """Every Java considered can connect."""
        return all(j.ok for j in self.javas)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _local_profiles() -> list[JavaProfile]:
    """Every JVM installed here (its java.security), then every running JVM whose -D
    options change its handshake or its java.security (judged with them)."""
    from sslpoke.audit.profiles import TLS_OPTIONS
    from sslpoke.java.discovery import find_javas, java_processes, release_info
    from sslpoke.java.rules import parse_version

    out = []
    seen: set[Path] = set()
    for install in find_javas():
        home = install.home.resolve()
        if home in seen or not install.version:
            continue
        seen.add(home)
        out.append(profile_of_jvm(install.home, parse_version(install.version), install.version))
    for process in java_processes():
        if not any(k in process.properties for k in TLS_OPTIONS):
            continue  # judged as its installation, above
        version, _ = release_info(process.home)
        if not version:
            continue
        out.append(
            profile_of_jvm(
                process.home,
                parse_version(version),
                version,
                process.properties,
                label=f"pid {process.pid} ({process.command or process.java})",
            )
        )
    return out


def audit_server(
    host: str,
    port: int | str | None = None,
    *,
    starttls: str | None = None,
    no_starttls: bool = False,
    servername: str | None = None,
    truststore: object = None,
    timeout: float = 5.0,
    max_connections: int = 5,
    thorough: bool = False,
    javas: str = "all",
    confirm: bool = False,
    revocation: bool = False,
) -> AuditReport:
    """Audit one server for the Javas that must talk to it.

    ``javas``: ``reference`` (the table of Java releases), ``local`` (every JVM found
    on this machine, each judged from its own java.security) or ``all``. The stapled
    OCSP response is always read; ``revocation`` also asks OCSP and the CRL (it
    phones out to the CA).
    """
    import sslpoke
    from sslpoke.target import parse_target

    started = time.monotonic()
    target = parse_target(
        host, port, servername=servername, starttls=starttls, no_starttls=no_starttls
    )
    enumeration = enumerate_server(
        target, timeout=timeout, max_connections=max_connections, thorough=thorough
    )
    trusted: bool | None = None
    rev: RevocationReport | None = None
    codes: tuple[str, ...] = ()
    name_ok: bool | None = None
    trust_java = ""
    key_bits: int | None = None
    if enumeration.protocols:
        report = sslpoke.probe(
            target.host,
            target.port,
            truststore=truststore,  # type: ignore[arg-type]
            servername=servername,
            starttls=starttls,
            no_starttls=no_starttls,
            timeout=timeout,
            reference=False,
        )
        if (not report.chain or report.exit_code == 3) and enumeration.certificates:
            # the probe's own client could not shake hands (TLS 1.0 only, say): judge the
            # chain the enumeration saw, offline, with the same validator
            from sslpoke.pki.certs import Cert

            chain = next(iter(enumeration.certificates.values()))
            report = sslpoke.verify(
                [Cert(der) for der in chain[:10]],
                truststore=truststore,  # type: ignore[arg-type]
                host=target.check_name,
                reference=False,
            )
        trusted = report.ok if report.chain and report.exit_code != 3 else None
        rev = _revocation(target, report, enumeration, fetch=revocation, timeout=timeout)
        codes = tuple(p.code.value for p in report.errors)
        name_ok = "hostname-mismatch" not in codes
        trust_java = report.java_rules or ""
        if report.chain:
            import re

            match = re.search(r"(\d+)", report.chain[0].key)
            key_bits = (
                int(match.group(1)) if match and report.chain[0].key.startswith("RSA") else None
            )
    hsts = None
    if (
        target.starttls is None
        and enumeration.protocols
        and (target.port == 443 or str(host).lower().startswith("https://"))
    ):
        hsts = _hsts(target, timeout)
    profiles: list[JavaProfile] = []
    if javas in ("all", "reference"):
        profiles += list(REFERENCE)
    if javas in ("all", "local"):
        profiles += _local_profiles()
    verdicts = []
    for profile in profiles:
        verdict = judge(profile, enumeration)
        if verdict.ok and trusted is False:
            code = (
                "java-ca-distrusted"
                if "distrusted-ca" in codes
                else (codes[0] if codes else "not-trusted")
            )
            verdict = verdict._replace(
                ok=False,
                code=code,
                reason=f"the handshake would work ({verdict.protocol}, {verdict.suite}), but the "
                f"certificate is not trusted ({', '.join(codes)}): run sslpoke {target} for the "
                "diagnosis",
            )
        if verdict.ok and rev is not None and rev.status == "revoked":
            verdict = _revoked_verdict(verdict, profile, rev)
        if confirm and profile.java_home is not None:
            verdict = verdict._replace(
                confirmed=_confirm(profile.java_home, target, truststore, profile.jvm_options)
            )
        verdicts.append(verdict)
    return AuditReport(
        str(target),
        enumeration,
        tuple(verdicts),
        tuple(profiles),
        tuple(findings(enumeration) + _revocation_findings(rev) + _hsts_findings(hsts)),
        grade(
            enumeration,
            trusted=trusted,
            name_ok=name_ok,
            key_bits=key_bits,
            hsts_ok=None if hsts is None else _hsts_age(hsts) >= 15552000,
            trust_codes=codes,
            starttls=target.starttls is not None,
            revoked=rev is not None and rev.status == "revoked",
        ),
        trusted,
        codes,
        trust_java,
        time.monotonic() - started,
        rev,
        hsts,
    )


def _hsts(target: Target, timeout: float) -> str | None:
    """The Strict-Transport-Security header of ``GET /`` ("" when absent)."""
    import http.client
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(target.host, target.port, timeout=timeout, context=ctx)
    try:
        conn.request("GET", "/", headers={"Host": target.servername or target.host})
        value = conn.getresponse().getheader("Strict-Transport-Security", "")
    except (OSError, http.client.HTTPException, ssl.SSLError):
        return None
    finally:
        conn.close()
    return (value or "")[:1000]


def _hsts_age(header: str) -> int:
    import re

    match = re.search(r"max-age\s*=\s*\"?(\d{1,12})", header, re.I)
    return int(match.group(1)) if match else 0


def _hsts_findings(header: str | None) -> list[Finding]:
    if header is None:
        return []
    fix = 'nginx: add_header Strict-Transport-Security "max-age=63072000" always;'
    if not header:
        return [Finding("HSTS", "LOW", "no Strict-Transport-Security header (HSTS)", fix)]
    age = _hsts_age(header)
    if age < 15552000:
        return [Finding("HSTS_time", "LOW", f"HSTS max-age is {age} s, under 180 days", fix)]
    return [Finding("HSTS", "OK", f"HSTS: {header}")]


def _revocation(
    target: Target, report: object, e: Enumeration, *, fetch: bool, timeout: float
) -> RevocationReport | None:
    from sslpoke.api import revocation_path
    from sslpoke.net import revocation
    from sslpoke.net.capture import open_for_tls
    from sslpoke.pki.certs import Cert
    from sslpoke.report.model import Report

    chain = revocation_path(report) if isinstance(report, Report) else []
    if not chain and e.certificates:
        chain = [Cert(d) for d in next(iter(e.certificates.values()))[:10]]
    if not chain:
        return None
    return revocation.check(
        target.host,
        target.port,
        target.servername,
        chain,
        fetch=fetch,
        timeout=timeout,
        opener=lambda: open_for_tls(target, timeout),
        tls_scts=e.sct_list,
    )


def _revocation_findings(rev: RevocationReport | None) -> list[Finding]:
    if rev is None:
        return []
    out: list[Finding] = []
    for s in rev.statuses:
        if s.status == "revoked":
            out.append(
                Finding(
                    "cert_revocation",
                    "CRITICAL",
                    f"{s.whose} is {s.detail} per {s.source}; a default Java still "
                    "accepts it (it checks no revocation)",
                    "install a new certificate"
                    if s.position == 0
                    else f"install the CA's current intermediate in place of {s.subject}",
                    # ocsp.enable is a security property, not a -D one: the form the
                    # tests' JVMs refuse revoked chains with
                    client_fix="start Java with -Dcom.sun.net.ssl.checkRevocation=true "
                    "-Djava.security.properties=/etc/java-ocsp.security, a file holding the "
                    "line ocsp.enable=true: it then refuses revoked certificates",
                )
            )
            break
    if rev.must_staple and not rev.staple:
        out.append(
            Finding(
                "OCSP_must_staple",
                "HIGH",
                "the certificate requires OCSP stapling (must-staple) and the server sends no staple",
                "nginx: ssl_stapling on; ssl_stapling_verify on; Apache: SSLUseStapling on",
            )
        )
    elif not rev.staple:
        out.append(
            Finding(
                "OCSP_stapling",
                "LOW",
                "no OCSP stapling (Mozilla's guidelines ask for it)",
                "nginx: ssl_stapling on; ssl_stapling_verify on; Apache: SSLUseStapling on",
            )
        )
    if rev.scts:
        logs = ", ".join(sorted({s.log_id[:16] for s in rev.scts}))
        where = ", ".join(f"{n} {w}" for w, n in Counter(s.where for s in rev.scts).items())
        out.append(
            Finding(
                "certificate_transparency",
                "OK",
                f"{len(rev.scts)} SCTs ({where}; logs {logs}); Java does not check CT",
            )
        )
    else:
        out.append(
            Finding(
                "certificate_transparency",
                "INFO",
                "no SCT (embedded, TLS extension or staple): fine for a private CA; browsers "
                "refuse a public CA's certificate without them; Java does not check CT",
            )
        )
    return out


def _revoked_verdict(
    verdict: JavaCompat, profile: JavaProfile, rev: RevocationReport
) -> JavaCompat:
    """A reference profile, or an installed JVM, checks no revocation (the default): it
    connects. A running JVM started with -Dcom.sun.net.ssl.checkRevocation=true refuses."""
    from sslpoke.java.options import properties
    from sslpoke.java.rules import read_rules
    from sslpoke.net.revocation import java_checks_revocation

    props = properties(profile.jvm_options)
    checks = False
    if profile.java_home is not None and props:
        security = read_rules(profile.java_home, props).security
        checks, _ = java_checks_revocation(props, security)
    revoked = next(s for s in rev.statuses if s.status == "revoked")
    if not checks:
        return verdict._replace(
            reason="connects although the certificate is revoked: this Java does not "
            "check revocation (-Dcom.sun.net.ssl.checkRevocation=true would make it fail)"
        )
    return verdict._replace(
        ok=False,
        code="revoked",
        reason=f"{revoked.whose} is {revoked.detail} per {revoked.source}; this JVM checks "
        "revocation: Certificate has been revoked, reason: "
        f"{(revoked.reason or 'unspecified').upper()}",
    )


def _confirm(
    java_home: Path, target: Target, truststore: object, jvm_options: tuple[str, ...] = ()
) -> str:
    """A real handshake by that JVM (HTTPS endpoint identification; its default truststore,
    or the one given, as Java can load it): "OK TLSv1.3" or "FAIL <exception>"."""
    import tempfile

    from sslpoke.java.confirm import ConfirmError, _store_for_java, run_probe
    from sslpoke.truststore_choice import StoreRequest

    host, port = target.host, target.port
    name = target.servername or host
    if target.starttls is not None:
        return "not confirmed: the Java probe speaks implicit TLS only, not STARTTLS"
    props: list[str] = list(jvm_options)  # a running JVM's TLS options, as it runs
    try:
        with tempfile.TemporaryDirectory(prefix="sslpoke-audit-") as tmp:
            if isinstance(truststore, str | Path):
                store, password, storetype, _ = _store_for_java(
                    StoreRequest(path=truststore), Path(tmp)
                )
                props.append(f"-Djavax.net.ssl.trustStore={store}")
                if password is not None:
                    props.append(f"-Djavax.net.ssl.trustStorePassword={password}")
                if storetype is not None:
                    props.append(f"-Djavax.net.ssl.trustStoreType={storetype}")
            verdict = run_probe(
                java_home / "bin" / "java",
                name,
                port,
                connect=host,
                https=True,
                props=props,
                timeout=10,
            )
    except ConfirmError as exc:
        return f"not confirmed: {exc}"
    return ("OK " if verdict.ok else "FAIL ") + verdict.detail


__all__ = ["AuditReport", "audit_server", "wire"]
