"""The library's entry points: :func:`probe` a server, :func:`verify` certificates offline.

Both return a :class:`~sslpoke.report.model.Report`; the CLI only parses
arguments, calls these, and renders the report.

:func:`probe` starts the connection on a background thread first and imports
the analysis (cryptography and the validator) while the handshake is under
way: a probe then costs little more than the import and the handshake's
longer half, not their sum.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sslpoke.analysis import Reference
    from sslpoke.net.capture import Capture
    from sslpoke.net.connect import Resolver
    from sslpoke.net.errors import NetError
    from sslpoke.pki.certs import Cert
    from sslpoke.pki.policy import Profile
    from sslpoke.pki.revocation import CrlSet
    from sslpoke.report.model import Report
    from sslpoke.stores import TrustStore
    from sslpoke.target import Target
    from sslpoke.truststore_choice import ChosenStore, StoreRequest


class _Capturing(threading.Thread):
    """The connection, running while the caller imports and reads the truststore."""

    def __init__(
        self,
        target: Target,
        timeout: float,
        source: tuple[str, int] | None,
        resolver: Resolver | None,
    ) -> None:
        super().__init__(name="sslpoke-capture", daemon=True)
        self.args = (target, timeout, source, resolver)
        self.capture: Capture | None = None
        self.error: NetError | None = None
        self.crash: BaseException | None = None
        self.start()

    def run(self) -> None:
        from sslpoke.net.capture import capture
        from sslpoke.net.errors import NetError

        target, timeout, source, resolver = self.args
        try:
            self.capture = capture(
                target, timeout=timeout, source_address=source, resolver=resolver
            )
        except NetError as exc:
            self.error = exc
        except BaseException as exc:  # handed to the caller's thread below
            self.crash = exc

    def result(self) -> tuple[Capture | None, NetError | None]:
        self.join()
        if self.crash is not None:
            raise self.crash
        return self.capture, self.error


def probe(
    host: str,
    port: int | str | None = None,
    *,
    truststore: str | Path | StoreRequest | TrustStore | None = None,
    storepass: str | None = None,
    storetype: str | None = None,
    servername: str | None = None,
    check_hostname: bool = True,
    timeout: float = 10.0,
    profile: str | Profile = "java",
    starttls: str | None = None,
    no_starttls: bool = False,
    reference: Reference = None,
    save_chain: str | Path | None = None,
    source_address: tuple[str, int] | None = None,
    at: datetime | None = None,
    resolver: Resolver | None = None,
    revocation: bool = False,
) -> Report:
    """Connect to ``host`` like a Java client would, and explain whether it is trusted.

    ``truststore`` is a path, or a :class:`StoreRequest` for the Java rules
    (``-D`` options, ``--system``, ``--mozilla``); ``None`` means "what the
    ``java`` on PATH uses". ``reference`` is an up-to-date root bundle used to
    recognise an outdated truststore (default: Mozilla's, via certifi; ``False``
    to skip). Raises :class:`~sslpoke.errors.SslpokeError` for bad input; a
    server that cannot be reached is a report with exit code 3, not an exception.
    """
    from sslpoke.target import parse_target

    target = parse_target(
        str(host), port, servername=servername, starttls=starttls, no_starttls=no_starttls
    )
    started = time.monotonic()
    connecting = _Capturing(target, timeout, source_address, resolver)

    from sslpoke import analysis
    from sslpoke.pki.policy import get_profile

    policy = get_profile(profile)
    chosen = analysis.choose_store(truststore, storepass, storetype)
    cap, error = connecting.result()
    report = analysis.probe_report(
        target,
        cap,
        error,
        chosen,
        policy,
        check_hostname=check_hostname,
        at=at or datetime.now(UTC),
        reference=reference,
        save_chain=save_chain,
        seconds=time.monotonic() - started,
    )
    if revocation and report.chain and cap is not None:
        report = _with_revocation(report, target, chosen, str(policy.name.value), timeout)
    return report


def _with_revocation(
    report: Report, target: Target, chosen: ChosenStore, profile: str, timeout: float
) -> Report:
    """``revocation=True``: the staple for the leaf, OCSP and CRL for every certificate of
    the path, as problems.

    ``revoked`` is an error when the diagnosed Java checks revocation (or for the
    webpki profile), a warning otherwise: a default Java accepts a revoked certificate.
    """
    from sslpoke.net import revocation
    from sslpoke.problems import Code, Problem, Severity

    chain = revocation_path(report)
    security: Mapping[str, str] = {}
    if chosen.java_home is not None:  # java.security as that JVM merges it (ocsp.enable)
        from sslpoke.java.rules import read_rules

        security = read_rules(chosen.java_home, chosen.jvm_properties).security
    from sslpoke.net.capture import open_for_tls

    rev = revocation.check(
        target.host,
        target.port,
        target.servername,
        chain,
        fetch=True,
        timeout=timeout,
        java_props=dict(chosen.jvm_properties),
        java_security=security,
        opener=lambda: open_for_tls(target, timeout),
    )
    problems = list(report.problems)
    revoked = [s for s in rev.statuses if s.status == "revoked"]
    strict = rev.java_checks or profile == "webpki"
    if revoked:
        s = revoked[0]
        java = (
            "this Java checks revocation and fails: Certificate has been revoked, reason: "
            f"{(s.reason or 'UNSPECIFIED').upper()}"
            if rev.java_checks
            else f"this Java does not check revocation ({rev.java_flags}), so it still connects"
        )
        problems.insert(
            0,
            Problem(
                Code.REVOKED,
                Severity.ERROR if strict else Severity.WARNING,
                f"{s.whose[0].upper()}{s.whose[1:]} is {s.detail}, per {s.source}; {java}.",
                "Install a new certificate on the server: the revoked one must not be used."
                if s.position == 0
                else f"The server must send a chain through a CA that is not revoked: ask the CA "
                f"for the current intermediate replacing {s.subject} and install it with the "
                "server's certificate.",
            ),
        )
    elif any(c.status in ("unknown", "unreachable") for c in rev.certificates) or (
        rev.must_staple and not rev.staple
    ):
        why = (
            "; ".join(
                f"{s.source}{'' if s.position == 0 else f' (for CA {s.subject})'}: "
                f"{s.detail or s.status}"
                for s in rev.statuses
                if s.status != "good"
            )
            or "no source"
        )
        if rev.must_staple and not rev.staple:
            why = (
                "the certificate requires a stapled OCSP response (must-staple) and the server "
                f"sent none (Java does not enforce must-staple; Firefox does); {why}"
            )
        problems.append(
            Problem(
                Code.REVOCATION_UNKNOWN,
                Severity.WARNING,
                f"Revocation status unknown: {why}."
                + (
                    " This Java checks revocation and fails: Could not determine revocation status."
                    if rev.java_checks
                    else ""
                ),
                "Make the OCSP responder or CRL reachable from this client, or enable OCSP stapling on the server.",
            )
        )
    ok = not any(p.severity is Severity.ERROR for p in problems)
    return report._replace(problems=tuple(problems), ok=ok)


def revocation_path(report: Report) -> list[Cert]:
    """The certificates whose revocation status matters, leaf first, ending with the
    trust anchor when the path reached one (it is the last issuer, not checked itself);
    the chain as sent when there is no path."""
    from sslpoke.pki.certs import Cert, pem_blocks
    from sslpoke.report.model import Role

    path = [
        step.cert for step in report.path if step.cert is not None and step.role != Role.MISSING
    ]
    infos = path or list(report.chain)
    return [Cert(b) for info in infos[:10] for b in pem_blocks(info.pem.encode())]


def verify(
    certificates: Sequence[Cert],
    *,
    truststore: str | Path | StoreRequest | TrustStore | None = None,
    storepass: str | None = None,
    storetype: str | None = None,
    intermediates: Sequence[Cert] = (),
    host: str | None = None,
    at: datetime | None = None,
    crls: CrlSet | None = None,
    max_depth: int | None = None,
    profile: str | Profile = "java",
    reference: Reference = None,
) -> Report:
    """Validate certificates offline: leaf first, then any intermediates, in any order.

    Same validator, codes and report as :func:`probe`, without a connection.
    """
    if not certificates:
        raise ValueError("no certificate to verify")
    from sslpoke import analysis
    from sslpoke.pki.policy import get_profile

    chosen = analysis.choose_store(truststore, storepass, storetype)
    return analysis.verify_report(
        certificates,
        intermediates,
        chosen,
        get_profile(profile),
        host=host,
        at=at or datetime.now(UTC),
        crls=crls,
        max_depth=max_depth,
        reference=reference,
    )


def write_chain(chain: Sequence[Cert], directory: Path) -> list[Path]:
    """Save each certificate as ``<index>-<alias>.pem`` (the names fix commands use)."""
    from sslpoke.analysis import write_chain as write

    return write(chain, directory)
