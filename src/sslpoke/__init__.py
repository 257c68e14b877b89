"""sslpoke: why a TLS connection is not trusted (by Java or anyone), and the safe fix.

The library is the product; the ``sslpoke`` command is a thin layer over it::

    import sslpoke
    report = sslpoke.probe("jira.example.com", 443)
    if not report.ok:
        for problem in report.problems:
            print(problem.code, problem.message, problem.fix)

Heavy modules load on first use, so ``import sslpoke`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from sslpoke.api import probe, verify
    from sslpoke.audit.run import AuditReport
    from sslpoke.audit.run import audit_server as audit
    from sslpoke.errors import ExitCode, SslpokeError
    from sslpoke.pki.certs import Cert
    from sslpoke.problems import Code, Problem, Severity
    from sslpoke.report.model import Report
    from sslpoke.stores import TrustStore, load_truststore
    from sslpoke.truststore_choice import StoreRequest

_EXPORTS = {
    "AuditReport": "sslpoke.audit.run",
    "probe": "sslpoke.api",
    "verify": "sslpoke.api",
    "Report": "sslpoke.report.model",
    "Problem": "sslpoke.problems",
    "Code": "sslpoke.problems",
    "Severity": "sslpoke.problems",
    "ExitCode": "sslpoke.errors",
    "SslpokeError": "sslpoke.errors",
    "Cert": "sslpoke.pki.certs",
    "TrustStore": "sslpoke.stores",
    "load_truststore": "sslpoke.stores",
    "StoreRequest": "sslpoke.truststore_choice",
}

__all__ = [
    "AuditReport",
    "Cert",
    "Code",
    "ExitCode",
    "Problem",
    "Report",
    "Severity",
    "SslpokeError",
    "StoreRequest",
    "TrustStore",
    "__version__",
    "audit",
    "load_truststore",
    "probe",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name == "audit":  # the package sslpoke.audit, callable: sslpoke.audit(host, port)
        import importlib

        return importlib.import_module("sslpoke.audit")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sslpoke' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
