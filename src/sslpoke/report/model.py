"""The result of a probe or an offline verification: plain data, rendered elsewhere."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import ExitCode
from sslpoke.pki.certs import Cert
from sslpoke.problems import CONNECTION_CODES, Problem, Severity


class Role(StrEnum):
    LEAF = "leaf"
    INTERMEDIATE = "intermediate"
    ANCHOR = "anchor"  # the truststore certificate the path ends at
    ROOT = "root"  # a self-signed CA certificate the path ends at that the truststore lacks
    MISSING = "missing"  # an issuer nobody supplied


class CertInfo(NamedTuple):
    """One certificate as a report shows it."""

    subject: str
    issuer: str
    name: str  # the common name, or the subject
    not_before: datetime
    not_after: datetime
    sha256: str
    serial: str
    key: str
    signature_algorithm: str
    san: tuple[str, ...]
    is_ca: bool
    self_issued: bool
    pem: str
    sent_index: int | None = None  # position in the chain the server sent
    alias: str | None = None  # alias in the truststore, when it is there

    @classmethod
    def of(cls, cert: Cert, *, sent_index: int | None = None, alias: str | None = None) -> CertInfo:
        return cls(
            subject=cert.subject_text,
            issuer=cert.issuer_text,
            name=cert.display_name,
            not_before=cert.not_before,
            not_after=cert.not_after,
            sha256=cert.fingerprint,
            serial=cert.serial_hex,
            key=cert.key_description,
            signature_algorithm=cert.signature_algorithm,
            san=(*cert.san_dns, *cert.san_ips),
            is_ca=cert.is_ca,
            self_issued=cert.self_issued,
            pem=cert.pem,
            sent_index=sent_index,
            alias=alias,
        )


class PathStep(NamedTuple):
    """One link of the certification path, leaf first."""

    role: Role
    cert: CertInfo | None  # None for a missing issuer
    broken: bool = False  # this link (to the next certificate up) is where trust fails
    note: str = ""  # e.g. "not sent by the server, not in the truststore"


class TruststoreInfo(NamedTuple):
    type: str
    location: str
    entries: int
    origin: str
    resolved: str | None = None  # the real file, when ``location`` is a symlink
    notes: tuple[str, ...] = ()


class TlsInfo(NamedTuple):
    peer: str
    version: str
    cipher: str
    servername: str | None
    client_cert_requested: bool
    starttls: str | None = None
    greeting: str | None = None
    auth_before_tls: tuple[str, ...] | None = None
    auth_after_tls: tuple[str, ...] | None = None


class Report(NamedTuple):
    """Everything sslpoke found out, as data (see ``report.json`` for the stable schema)."""

    kind: str  # "probe" or "verify"
    ok: bool
    profile: str
    checked_name: str | None
    at: datetime
    target: str | None = None
    truststore: TruststoreInfo | None = None
    tls: TlsInfo | None = None
    chain: tuple[CertInfo, ...] = ()  # as sent by the server (or given on the command line)
    path: tuple[PathStep, ...] = ()  # the valid path, or the closest one
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    java_rules: str | None = None  # whose rules the java profile applied (version, vendor, home)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def connected(self) -> bool:
        return not any(p.code in CONNECTION_CODES for p in self.errors)

    @property
    def exit_code(self) -> ExitCode:
        if self.ok:
            return ExitCode.TRUSTED
        if not self.connected:
            return ExitCode.NO_CONNECTION
        return ExitCode.NOT_TRUSTED


class JavaVerdict(NamedTuple):
    """The JVM's own verdict on the same server (``--confirm``), for the report."""

    java: Path
    version: str | None
    mode: str  # "https" (endpoint identification) or "sslpoke" (none)
    ok: bool
    detail: str  # "TLSv1.3", or the exception chain
    command: tuple[str, ...]  # as run, password masked
    note: str | None = None  # e.g. a PEM store handed to Java as a PKCS#12 copy

    def as_dict(self, sslpoke_ok: bool) -> dict[str, object]:
        """The ``java_confirmation`` object of the JSON report."""
        return {
            "java": str(self.java),
            "version": self.version,
            "mode": self.mode,
            "ok": self.ok,
            "detail": self.detail,
            "agrees": self.ok == sslpoke_ok,
            "command": list(self.command),
            "note": self.note,
            "ran": True,
        }
