"""Replacing a truststore without ever losing it, or anyone else's change to it.

A writer first takes an exclusive lock (:func:`store_lock`: ``flock`` on a lock
file beside the real store, since the store itself is replaced by a rename) and
reads the store again under it, so two writers run one after the other and
neither loses the other's import. The original is then copied next to itself
with a timestamp (created with O_EXCL|O_NOFOLLOW, so a planted symlink cannot
redirect it); the new content is written to a temporary file in the same
folder, flushed to disk, given the original's owner, group and mode, and renamed
over the original in one step. Any failure before the rename leaves the original
byte-identical and removes the temporary file and the backup; the rename itself
is atomic. A symlinked store (Debian's JDK cacerts points into
/etc/ssl/certs/java) is written at its real location, so the link stays.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sslpoke.errors import WriteError


class Written(NamedTuple):
    path: Path  # the file actually replaced (the symlink's target, if any)
    backup: Path | None


LOCK_WAIT = 30.0  # seconds a writer waits for another to finish
MAX_BACKUP_NAMES = 100


def lock_path(store: Path) -> Path:
    real = store.resolve()
    return real.with_name(f".{real.name}.sslpoke-lock")


@contextlib.contextmanager
def store_lock(store: str | Path, *, wait: float = LOCK_WAIT) -> Iterator[Path]:
    """Hold the store's write lock (shared with every sslpoke; waits up to ``wait`` s).

    The lock file stays (removing it would let a waiting writer lock a file that
    is no longer the lock); it is empty and hidden beside the store.
    """
    import fcntl

    path = lock_path(Path(store))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise WriteError(
            f"{path.parent}: cannot create the lock file {path.name} ({exc.strerror}); nothing changed"
        ) from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteError(
                        f"{Path(store)}: another sslpoke is writing this truststore (lock {path} "
                        f"held for more than {wait:g} s); nothing changed, try again when it is done"
                    ) from None
                time.sleep(0.05)  # polling a lock held by another process
        _remove_stale_temporaries(Path(store).resolve())
        yield path
    finally:
        os.close(fd)  # releases the lock


def _remove_stale_temporaries(target: Path) -> None:
    """Temporary files of a writer that was killed (we hold the lock: none is in use)."""
    with contextlib.suppress(OSError):
        for stale in target.parent.glob(f".{target.name}.sslpoke-*"):
            if not stale.name.endswith("-lock"):
                stale.unlink()


def backup_name(path: Path, now: datetime | None = None, n: int = 1) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "" if n == 1 else f"-{n}"
    return path.with_name(f"{path.name}.sslpoke-backup-{stamp}{suffix}")


def _write_backup(target: Path, mode: int) -> Path:
    """A copy of ``target`` under a new name, never through a symlink or over a file."""
    data = target.read_bytes()
    for n in range(1, MAX_BACKUP_NAMES + 1):
        candidate = backup_name(target, n=n)
        try:
            fd = os.open(
                candidate,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                mode & 0o777,
            )
        except FileExistsError:
            continue  # taken (or a planted symlink): next name
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                candidate.unlink()
            raise
        return candidate
    raise OSError(17, f"no free backup name after {MAX_BACKUP_NAMES} tries")


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
    with _terminate_cleanly():
        if backup:
            try:
                saved = _write_backup(target, info.st_mode)
            except OSError as exc:
                raise WriteError(
                    f"{target}: could not write a backup ({exc.strerror}); nothing changed"
                ) from None
        try:
            _write_atomically(
                target,
                data,
                mode=info.st_mode & 0o7777,
                owner=(info.st_uid, info.st_gid),
                failure=f"{target}: could not write the new store ({{reason}}); the original is unchanged",
            )
        except BaseException:
            if saved is not None:  # nothing changed: a backup would only mislead
                with contextlib.suppress(OSError):
                    saved.unlink()
            raise
    return Written(target, saved)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM during the write unwinds (removing the temporary file) instead of killing."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
