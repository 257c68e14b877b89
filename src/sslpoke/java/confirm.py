"""``--confirm``: ask the JVM itself, with sslpoke's bundled SSLPokeProbe.java.

The probe runs in the very ``java`` the diagnosis mirrors, with the same trust
settings, as a single-file source program (Java 11+) or compiled on the fly
(Java 8). If its verdict differs from sslpoke's, that is a bug in sslpoke and is
said so, loudly.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sslpoke.errors import InputError
from sslpoke.java.discovery import release_info
from sslpoke.java.options import masked
from sslpoke.java.truststore import java_home_of, jdk_tool

if TYPE_CHECKING:
    from sslpoke.report.model import Report
    from sslpoke.truststore_choice import StoreRequest

PROBE = Path(__file__).with_name("SSLPokeProbe.java")


class JavaVerdict(NamedTuple):
    java: Path
    version: str | None
    mode: str  # "https" (endpoint identification) or "sslpoke" (none)
    ok: bool
    detail: str  # "TLSv1.3", or the exception chain
    command: tuple[str, ...]  # as run, password masked

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
        }


def _command(
    java: Path, version: str | None, props: list[str], args: list[str], workdir: Path
) -> list[str]:
    major = (version or "").split(".")
    legacy = bool(major) and major[0] == "1"  # 1.8.0_x: no single-file source launch
    if not legacy:
        return [str(java), *props, str(PROBE), *args]
    javac = jdk_tool(java_home_of(java), "javac")
    if javac is None:
        raise InputError(
            f"{java} is Java 8, which cannot run a source file, and no javac was found next to it"
        )
    subprocess.run(
        [str(javac), "-d", str(workdir), str(PROBE)], check=True, capture_output=True, timeout=120
    )
    return [str(java), *props, "-cp", str(workdir), "SSLPokeProbe", *args]


def run_probe(
    java: Path, host: str, port: int, *, connect: str, https: bool, props: list[str], timeout: float
) -> JavaVerdict:
    version, _ = release_info(java_home_of(java))
    mode = "https" if https else "sslpoke"
    args = [
        host,
        str(port),
        "--connect",
        connect,
        "--mode",
        mode,
        "--timeout",
        str(int(timeout * 1000)),
    ]
    # Passwords go to the probe on stdin, never on its command line (readable by any
    # local user in /proc/PID/cmdline); the probe sets them before TLS starts.
    secret = [p for p in props if _is_secret(p)]
    public = [p for p in props if not _is_secret(p)]
    if secret:
        args.append("--properties-on-stdin")
    stdin = "".join(p[2:] + "\n" for p in secret) + "\n"
    with tempfile.TemporaryDirectory(prefix="sslpoke-probe-") as workdir:
        cmd = _command(java, version, public, args, Path(workdir))
        try:
            done = subprocess.run(
                cmd, input=stdin, capture_output=True, text=True, timeout=timeout * 2 + 60
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InputError(f"could not run {java}: {exc}") from None
    result = next(
        (line for line in done.stdout.splitlines() if line.startswith(f"RESULT {mode} ")), None
    )
    if result is None:
        raise InputError(
            f"{java} did not run the probe: {(done.stderr or done.stdout).strip()[:300]}"
        )
    status, _, detail = result.split(" ", 2)[2].partition(" ")
    causes = [
        line.split(" ", 2)[2]
        for line in done.stdout.splitlines()
        if line.startswith(f"CAUSE {mode} ")
    ]
    if causes:
        detail = detail + " | caused by: " + " | ".join(causes[-2:])
    return JavaVerdict(java, version, mode, status == "OK", detail, tuple(map(masked, cmd)))


def _is_secret(prop: str) -> bool:
    name = prop.partition("=")[0]
    return prop.startswith("-D") and name.lower().endswith("password")


def confirm_for(
    report: Report, request: StoreRequest, java_spec: str | None, *, timeout: float
) -> JavaVerdict:
    """Run the probe in the JVM a probe report mirrored, with the same trust settings."""
    import shutil

    from sslpoke.java.discovery import java_binary, read_process

    tls = report.tls
    if tls is None:
        raise InputError("--confirm: there was no TLS connection to confirm")
    if tls.starttls:
        raise InputError(
            "--confirm works for implicit TLS only: the Java probe does not speak STARTTLS"
        )
    if java_spec is not None and java_spec.isdigit():
        process = read_process(int(java_spec))
        if process is None:
            raise InputError(f"--java {java_spec}: the process is gone")
        java = process.java
    elif request.java_home is not None:
        java = java_binary(request.java_home)
    else:
        found = shutil.which("java")
        if found is None:
            raise InputError("--confirm needs a java: none on PATH (use --java PATH)")
        java = Path(found)
    props = list(request.java_args)
    if request.path is not None:
        props.append(f"-Djavax.net.ssl.trustStore={Path(request.path).resolve()}")
        if request.password is not None:
            props.append(f"-Djavax.net.ssl.trustStorePassword={request.password}")
        if request.storetype is not None:
            props.append(f"-Djavax.net.ssl.trustStoreType={request.storetype}")
    connect, _, port = tls.peer.rpartition(":")
    connect = connect.strip("[]")
    host = tls.servername or connect
    https = report.checked_name is not None
    return run_probe(
        java, host, int(port), connect=connect, https=https, props=props, timeout=timeout
    )
