"""Which truststore a given JVM uses, by the JDK's own rules.

Measured on OpenJDK 17 with ``-Djavax.net.debug=ssl:trustmanager``:

1. ``javax.net.ssl.trustStore`` if set and the file exists;
2. else ``<java.home>/lib/security/jssecacerts`` if it exists;
3. else ``<java.home>/lib/security/cacerts``.

A ``trustStore`` property that names a missing file makes the JDK fall back
*silently* to ``cacerts``, skipping ``jssecacerts``. ``java.home`` is where the
running ``java`` binary lives (``JAVA_HOME`` does not matter); for a JDK 8
layout it is ``<jdk>/jre``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from sslpoke.java.options import TRUSTSTORE, TrustSettings


class StoreChoice(NamedTuple):
    path: Path
    origin: str  # why this file, in words
    password: str | None = None  # never shown: see __repr__
    storetype: str | None = None
    fallback: str | None = None  # set when Java silently ignored a trustStore property

    def __repr__(self) -> str:
        return f"StoreChoice(path={str(self.path)!r}, origin={self.origin!r}, password={'***' if self.password else None})"


def java_on_path(env: dict[str, str] | None = None) -> Path | None:
    """The ``java`` a shell would run (not shutil.which: importing shutil pulls in the
    compression modules, a few ms of a probe's start-up)."""
    for folder in (env or os.environ).get("PATH", os.defpath).split(os.pathsep):
        candidate = Path(folder or ".") / "java"
        try:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
        except OSError:  # a PATH folder this user may not read (su keeps root's PATH)
            continue
    return None


def java_home_of(java: Path) -> Path:
    """``java.home`` for a ``java`` binary (symlinks such as /etc/alternatives resolved)."""
    real = java.resolve()
    home = real.parent.parent
    jre = home / "jre"
    if not (home / "lib" / "security").is_dir() and (jre / "lib" / "security").is_dir():
        return jre
    return home


def jdk_tool(java_home: Path, name: str) -> Path | None:
    """A JDK program (java, javac, keytool) for this ``java.home``, which is ``<jdk>/jre`` on JDK 8."""
    for candidate in (java_home / "bin" / name, java_home.parent / "bin" / name):
        if candidate.is_file():
            return candidate
    return None


def _is_file(path: Path) -> bool:
    """Like java.io.File.isFile: false, not an error, for a path behind a folder we may not enter."""
    try:
        return path.is_file()
    except OSError:
        return False


def security_dir(java_home: Path) -> Path:
    return java_home / "lib" / "security"


def default_store(java_home: Path, settings: TrustSettings) -> StoreChoice:
    """The store a JVM with this ``java.home`` and these settings trusts."""
    sec = security_dir(java_home)
    cacerts = sec / "cacerts"
    jssecacerts = sec / "jssecacerts"
    if settings.truststore is not None:
        if settings.truststore.upper() == "NONE":
            return StoreChoice(
                cacerts,
                "java default (cacerts)",
                settings.password,
                settings.storetype,
                fallback=f"{TRUSTSTORE}=NONE selects a hardware token (PKCS#11); sslpoke reads cacerts instead",
            )
        named = Path(settings.truststore)
        if _is_file(named):
            return StoreChoice(
                named,
                f"-D{TRUSTSTORE} (from {settings.sources.get(TRUSTSTORE, 'command line')})",
                settings.password,
                settings.storetype,
            )
        return StoreChoice(
            cacerts,
            "java default (cacerts): the trustStore property names a missing file",
            settings.password,
            settings.storetype,
            fallback=(
                f"-D{TRUSTSTORE}={settings.truststore} names a file that does not exist; "
                f"Java silently falls back to {cacerts} (and ignores jssecacerts)"
            ),
        )
    if jssecacerts.is_file():
        return StoreChoice(
            jssecacerts,
            "java default: jssecacerts (it takes precedence over cacerts)",
            settings.password,
            settings.storetype,
        )
    return StoreChoice(cacerts, "java default: cacerts", settings.password, settings.storetype)
