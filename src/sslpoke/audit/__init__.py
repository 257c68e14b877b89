"""``sslpoke audit``: the server's TLS setup judged for the Javas that must talk to it.

``wire`` builds hellos and reads server flights, ``enumerate`` finds what the
server accepts with few connections, ``profiles`` holds what each Java offers
(as data, with sources), ``compat`` computes each Java's handshake, ``grade``
gives findings, a grade and Mozilla's guidelines, ``render`` prints them.

The package is also the library's entry point::

    import sslpoke
    report = sslpoke.audit("ldap.example.com", 636)
    for java in report.javas:
        print(java.java, java.ok, java.code, java.reason)

(this module object is callable: ``sslpoke.audit(...)`` runs
:func:`sslpoke.audit.run.audit_server`).
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from sslpoke.audit.run import audit_server

        return audit_server(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
