"""Exceptions for bad input, each mapped to one clear line and an exit code.

A failed TLS connection is not an exception at the API level: it is a finding,
reported in the :class:`~sslpoke.report.model.Report` with exit code 3. These
exceptions are for things the user must fix before sslpoke can say anything.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes, stable and documented in the README."""

    TRUSTED = 0
    NOT_TRUSTED = 1
    BAD_INPUT = 2
    NO_CONNECTION = 3
    WRITE_FAILED = 4
    DECLINED = 5
    INTERNAL = 70  # an unexpected failure inside sslpoke (sysexits' EX_SOFTWARE): a bug


class SslpokeError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    @property
    def code(self) -> str:
        """A stable name for the kind of error (the ``error.code`` of the JSON output)."""
        reason = getattr(self, "reason", None)
        base = {
            ExitCode.WRITE_FAILED: "write-failed",
            ExitCode.DECLINED: "declined",
        }.get(self.exit_code, "usage" if isinstance(self, UsageError) else "bad-input")
        return f"{base}:{reason}" if reason else base


class UsageError(SslpokeError):
    """A malformed command line or argument: bad port, bad host, unknown option value."""


class InputError(SslpokeError):
    """A file given by the user cannot be used."""


class CertificateFileError(InputError):
    """A certificate file is missing, unreadable, or holds no certificate."""


class StoreError(InputError):
    """A truststore cannot be read. ``reason`` tells which way it failed."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # not-found, unreadable, corrupt, wrong-password, empty, unsupported


class WriteError(SslpokeError):
    """A truststore could not be written; the original is untouched."""

    exit_code = ExitCode.WRITE_FAILED


class DeclinedError(SslpokeError):
    """The user answered no at a confirmation prompt."""

    exit_code = ExitCode.DECLINED
