"""``--confirm``: ask the JVM itself, with sslpoke's bundled SSLPokeProbe.java.

The probe runs in the very ``java`` the diagnosis mirrors, with the same trust
settings. It is compiled once, to Java 8 bytecode, with any ``javac`` found (the
JDK's own, another on this machine), into a cache keyed by the source's hash, so
that any JRE from 8 on runs it, jlink runtimes without a compiler included;
without any javac, a Java 11+ runs the source file directly. A PEM file or a
certificate folder, which Java cannot use as a truststore, is handed to the JVM
as a temporary PKCS#12 copy (and the report says Java itself cannot read it).
If the JVM's verdict differs from sslpoke's, that is a bug in sslpoke and is said
so, loudly. When the JVM cannot be asked, :class:`ConfirmError` says why and the
report stands.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sslpoke.errors import InputError
from sslpoke.java.discovery import release_info
from sslpoke.java.options import masked
from sslpoke.java.truststore import java_home_of, jdk_tool
from sslpoke.report.model import JavaVerdict

if TYPE_CHECKING:
    from sslpoke.report.model import Report
    from sslpoke.truststore_choice import StoreRequest

PROBE = Path(__file__).with_name("SSLPokeProbe.java")


class ConfirmError(InputError):
    """The JVM could not be asked (no TLS connection, STARTTLS, no way to run the probe)."""


def _javacs(java: Path) -> list[Path]:
    """Compilers to try: the diagnosed JDK's own, then any other found on this machine."""
    import shutil

    out = []
    own = jdk_tool(java_home_of(java), "javac")
    if own is not None:
        out.append(own)
    found = shutil.which("javac")
    if found:
        out.append(Path(found).resolve())
    for home in sorted(Path("/usr/lib/jvm").glob("*/bin/javac")):
        out.append(home)
    return list(dict.fromkeys(out))


def compiled_probe(java: Path) -> Path | None:
    """The probe as Java 8 bytecode, compiled once per source version (None: no javac works)."""
    import hashlib
    import os

    digest = hashlib.sha256(PROBE.read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sslpoke"
    folder = cache / f"probe-{digest}"
    if (folder / "SSLPokeProbe.class").is_file():
        return folder
    for javac in _javacs(java):
        with tempfile.TemporaryDirectory(prefix="sslpoke-javac-") as tmp:
            for release in (["--release", "8"], ["-source", "8", "-target", "8"], []):
                try:
                    done = subprocess.run(
                        [str(javac), *release, "-nowarn", "-d", tmp, str(PROBE)],
                        capture_output=True,
                        timeout=120,
                    )
                except (OSError, subprocess.TimeoutExpired):
                    break
                if done.returncode == 0:
                    try:
                        folder.mkdir(parents=True, exist_ok=True)
                        for item in Path(tmp).iterdir():
                            (folder / item.name).write_bytes(item.read_bytes())
                    except OSError:
                        return None  # no writable cache: fall back to a source launch
                    return folder
    return None


def _command(java: Path, version: str | None, props: list[str], args: list[str]) -> list[str]:
    classes = compiled_probe(java)
    if classes is not None:
        return [str(java), *props, "-cp", str(classes), "SSLPokeProbe", *args]
    major = (version or "").split(".")
    if major and major[0] == "1":  # 1.8.0_x: no single-file source launch
        raise ConfirmError(
            f"{java} is Java 8, which cannot run a source file, and no javac was found to compile "
            "the probe (install a JDK, or run --confirm with --java pointing at a JDK's java)"
        )
    return [str(java), *props, str(PROBE), *args]


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
    cmd = _command(java, version, public, args)
    try:
        done = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, timeout=timeout * 2 + 60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfirmError(f"could not run {java}: {exc}") from None
    result = next(
        (line for line in done.stdout.splitlines() if line.startswith(f"RESULT {mode} ")), None
    )
    if result is None:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ConfirmError(
            f"{java} did not run the probe: {said[0][:200] if said else 'no output'}"
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
    if tls is None or not report.chain:
        raise ConfirmError("there was no TLS connection to confirm")
    if tls.starttls:
        raise ConfirmError("the Java probe speaks implicit TLS only, not STARTTLS")
    if java_spec is not None and java_spec.isdigit():
        process = read_process(int(java_spec))
        if process is None:
            raise ConfirmError(f"--java {java_spec}: the process is gone")
        java = process.java
    elif request.java_home is not None:
        java = java_binary(request.java_home)
    else:
        found = shutil.which("java")
        if found is None:
            raise ConfirmError("no java on PATH to ask (use --java PATH)")
        java = Path(found)
    props = list(request.java_args)
    connect, _, port = tls.peer.rpartition(":")
    connect = connect.strip("[]")
    host = tls.servername or connect
    https = report.checked_name is not None
    with tempfile.TemporaryDirectory(prefix="sslpoke-confirm-") as tmp:
        note = None
        if request.path is not None:
            store, password, storetype, note = _store_for_java(request, Path(tmp))
            props.append(f"-Djavax.net.ssl.trustStore={store}")
            if password is not None:
                props.append(f"-Djavax.net.ssl.trustStorePassword={password}")
            if storetype is not None:
                props.append(f"-Djavax.net.ssl.trustStoreType={storetype}")
        verdict = run_probe(
            java, host, int(port), connect=connect, https=https, props=props, timeout=timeout
        )
    return verdict._replace(note=note)


def _store_for_java(
    request: StoreRequest, tmp: Path
) -> tuple[Path, str | None, str | None, str | None]:
    """The store as Java can load it: a PEM file or a folder becomes a PKCS#12 copy."""
    from sslpoke.stores import StoreType, load_truststore

    path = Path(request.path or "").resolve()
    store = load_truststore(path, password=request.password, allow_empty=True)
    if store.type not in (StoreType.PEM, StoreType.DER, StoreType.DIRECTORY):
        return path, request.password, request.storetype, None
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    entries = [
        pkcs12.PKCS12Certificate(x509.load_der_x509_certificate(e.cert.der), f"c{i}".encode())
        for i, e in enumerate(store.entries)
    ]
    copy = tmp / "truststore.p12"
    copy.write_bytes(
        pkcs12.serialize_java_truststore(
            entries, serialization.BestAvailableEncryption(b"changeit")
        )
    )
    copy.chmod(0o600)
    return (
        copy,
        "changeit",
        "PKCS12",
        f"Java cannot use a {store.type.value.upper()} {'folder' if store.type is StoreType.DIRECTORY else 'file'} "
        "as a truststore (an application pointed at it fails): asked with a PKCS#12 copy of its certificates",
    )
