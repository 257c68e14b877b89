"""Replacing a truststore without ever losing it.

The original is first copied next to itself with a timestamp; the new content is
written to a temporary file in the same folder, flushed to disk, given the
original's owner, group and mode, and renamed over the original in one step. Any
failure before the rename leaves the original byte-identical (the temporary file
is removed); the rename itself is atomic. A symlinked store (Debian's JDK cacerts
points into /etc/ssl/certs/java) is written at its real location, so the link stays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import WriteError


class Written(NamedTuple):
    path: Path  # the file actually replaced (the symlink's target, if any)
    backup: Path | None


def backup_name(path: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.sslpoke-backup-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.sslpoke-backup-{stamp}-{n}")
    return candidate


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_new_file(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Create ``path`` (a certificate added to a directory store) the same all-or-nothing way."""
    _write_atomically(
        path, data, mode=mode, owner=None, failure=f"{path}: could not write it ({{reason}})"
    )
    return path


def _write_atomically(
    target: Path, data: bytes, *, mode: int, owner: tuple[int, int] | None, failure: str
) -> None:
    """Temporary file in the same folder, fsync, mode and owner, rename over ``target``.
    On any failure the temporary file is removed and ``target`` is as it was; an OSError
    becomes a WriteError: ``failure`` with ``{reason}`` filled in."""
    folder = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.sslpoke-", dir=folder)
    except OSError as exc:
        raise WriteError(failure.replace("{reason}", exc.strerror or str(exc))) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, *owner)
        tmp.replace(target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise WriteError(failure.replace("{reason}", exc.strerror or str(exc))) from None
        raise
    _fsync_dir(folder)


def replace_file(path: str | Path, data: bytes, *, backup: bool = True) -> Written:
    """Atomically replace ``path`` (which must exist) with ``data``, after backing it up."""
    target = Path(path).resolve()
    try:
        info = target.stat()
    except OSError as exc:
        raise WriteError(f"{target}: cannot read the store to replace ({exc.strerror})") from None
    saved: Path | None = None
    if backup:
        saved = backup_name(target)
        try:
            shutil.copy2(target, saved)
            with saved.open("rb+") as fh:
                os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                saved.unlink()
            raise WriteError(
                f"{target}: could not write the backup {saved.name} ({exc.strerror}); nothing changed"
            ) from None
    _write_atomically(
        target,
        data,
        mode=info.st_mode & 0o7777,
        owner=(info.st_uid, info.st_gid),
        failure=f"{target}: could not write the new store ({{reason}}); the original is unchanged",
    )
    return Written(target, saved)
