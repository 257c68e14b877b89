"""Files a user names on the command line: logs and target lists read as text, reports
written. (Truststores and certificates have their own readers, in :mod:`sslpoke.stores`
and :mod:`sslpoke.certfiles`.)

Every way a path can fail is one clear line (:class:`~sslpoke.errors.InputError`,
exit code 2): missing, a folder, not readable (with its owner and mode, since at
2 a.m. the log is usually the application user's), not writable. Pipes are files
here: ``sslpoke explain <(journalctl -u jira)`` and ``/dev/stdin`` are read like any
log, and a log reader may ask for gzip to be read decompressed (``catalina.out.1.gz``,
told by its first bytes, so a pipe of one too). Reading is bounded: a line is never held longer than the reader asks
for (the rest of a longer one is read and dropped in pieces), and a file is not read
past a limit, so ``/dev/zero`` or a binary file named by mistake costs time, never
memory.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sslpoke.errors import InputError

if TYPE_CHECKING:
    import gzip


def _owner(st: os.stat_result) -> str:
    try:
        import pwd

        return pwd.getpwuid(st.st_uid).pw_name
    except (ImportError, KeyError):
        return str(st.st_uid)


def check_readable(path: str, what: str) -> None:
    """Raise :class:`InputError` unless ``path`` can be opened and read as a ``what``
    (a regular file, or a pipe or device: anything but a folder)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied (a folder on the way is closed)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: a folder, not a {what}")
    if not os.access(path, os.R_OK):
        owner = _owner(st)
        who = "root (sudo)" if owner == "root" else f"{owner} (sudo -u {owner} ...) or as root"
        raise InputError(
            f"{path}: permission denied (owned by {owner}, mode {stat.S_IMODE(st.st_mode):03o}): "
            f"run sslpoke as {who}"
        )


def open_text(path: str, what: str, *, gunzip: bool = False) -> IO[str]:
    """``path`` opened for reading text (UTF-8, undecodable bytes replaced), or one
    clear :class:`InputError`. ``gunzip``: a gzip file (told by its first bytes, a pipe
    too) is read decompressed — a rotated ``catalina.out.1.gz`` is a log like any."""
    check_readable(path, what)
    try:
        raw = Path(path).open("rb")  # noqa: SIM115 (handed to the text reader, which closes it)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        return text_of(raw, gunzip=gunzip, owned=True)
    except OSError as exc:
        raw.close()
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None


class _Text(io.TextIOWrapper):
    """Text over a decompressing stream that also closes the file under it (a GzipFile
    given a file object leaves it open)."""

    def __init__(self, stream: gzip.GzipFile, under: IO[bytes]) -> None:
        super().__init__(stream, encoding="utf-8", errors="replace")
        self.under = under

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.under.close()


def text_of(
    raw: io.BufferedReader, *, gunzip: bool = False, owned: bool = False
) -> io.TextIOWrapper:
    """A binary stream (a file, a pipe, ``sys.stdin.buffer``) as UTF-8 text, undecodable
    bytes replaced; ``gunzip``: decompressed when its first bytes say gzip. ``owned``:
    closing the text closes ``raw`` too."""
    if gunzip and raw.peek(2)[:2] == b"\x1f\x8b":
        import gzip

        packed = gzip.GzipFile(fileobj=raw, mode="rb")
        if owned:
            return _Text(packed, raw)
        return io.TextIOWrapper(packed, encoding="utf-8", errors="replace")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


def lines(fh: IO[str], *, width: int, limit: int) -> Iterator[str]:
    """``fh``'s lines, each cut to ``width`` characters (the rest of a longer line is
    read and dropped in pieces, never held whole), until ``limit`` characters are read."""
    read = 0
    while read < limit:
        line = fh.readline(width)
        if not line:
            return
        read += len(line)
        if len(line) >= width and not line.endswith("\n"):
            while read < limit:  # the rest of an overlong line: dropped
                rest = fh.readline(width)
                read += len(rest)
                if not rest or rest.endswith("\n"):
                    break
        yield line


def read_text(path: str, what: str, limit: int) -> str:
    """At most ``limit`` characters of ``path``, or one clear :class:`InputError`."""
    with open_text(path, what) as fh:
        try:
            return fh.read(limit)
        except OSError as exc:
            raise InputError(f"{path}: cannot read it ({exc.strerror})") from None


def open_output(path: str, what: str, mode: str = "w") -> IO[str]:
    """``path`` opened for writing text (``mode`` ``"w"`` or ``"a"``), or one clear
    :class:`InputError` naming the option (``what``, e.g. ``--csv``)."""
    try:
        if Path(path).is_dir():
            raise InputError(f"{what} {path}: a folder, not a file")
        return Path(path).open(mode, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot write it ({exc.strerror})") from None


__all__ = ["check_readable", "lines", "open_output", "open_text", "read_text", "text_of"]
