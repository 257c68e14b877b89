"""What a validation rule reports: one finding, about one position of a path.

Shared by the rules (:mod:`sslpoke.pki.checks`) and the revocation checks
(:mod:`sslpoke.pki.revocation`), so neither has to import the other.
"""

from __future__ import annotations

from typing import NamedTuple

from sslpoke.problems import Code, Severity


class Finding(NamedTuple):
    code: Code
    severity: Severity
    position: int | None  # index in the path (0 = leaf), None for the path as a whole
    detail: str
