"""One probe against a loopback server, whole process, side by side in one run.

Compares sslpoke with: a minimal Python script that only does the same
handshake with ``ssl`` (the floor), ``openssl s_client``, and a JVM running
sslpoke's bundled SSLPoke-like class. Runs are interleaved so that machine
noise hits every contender alike; medians are printed with ratios.

Targets (issue 2): sslpoke at most 2.5x the Python floor, at least 2x faster than the JVM.

One more contender puts the first target in proportion: the floor script plus
``import cryptography.x509`` and the OpenSSL backend that ECDSA verification
pulls in, doing no work with them. No tool that validates with pyca/cryptography
in Python can start faster than that line.

    .venv/bin/python bench/probe_speed.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402

from sslpoke.lab.scenarios import Lab  # noqa: E402
from sslpoke.lab.server import TlsServer  # noqa: E402

FLOOR = """
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        print("connected", tls.version())
"""

# The same handshake, after the imports any cryptography-based validator pays for
# (with the garbage collector off during them, as sslpoke's console script does).
IMPORT_FLOOR = (
    "import gc\ngc.disable()\n"
    "import cryptography.x509, cryptography.hazmat.backends.openssl.backend\n" + FLOOR
)


# As installed packages are: compiled once, bytecode cached (this machine sets PYTHONDONTWRITEBYTECODE).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> float:
    """Wall time of one whole process. No timeout: Popen.wait(timeout) polls with sleeps of
    up to 50 ms, which would add up to 50 ms to every figure; a blocking wait does not."""
    started = time.perf_counter()
    done = subprocess.run(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with exit code {done.returncode}: {' '.join(cmd)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--show-all", action="store_true", help="print every run's time")
    parser.add_argument("--no-jvm", action="store_true", help="leave the JVM out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sslpoke-bench-") as folder:
        measure(args, Path(folder))


def measure(args: argparse.Namespace, work: Path) -> None:
    lab = Lab()
    scenario = lab.scenarios()["trusted"]()
    # The truststore both sides read: a JKS made by keytool (Debian's own cacerts is JKS),
    # and a PKCS#12 one as keytool writes it (its password-based encryption costs both sides time).
    root_pem = work / "root.pem"
    root_pem.write_bytes(scenario.trust[0].pem)
    stores: dict[str, Path] = {}
    if shutil.which("keytool"):
        for kind in ("jks", "pkcs12"):
            stores[kind] = work / f"trust.{kind}"
            subprocess.run(
                [
                    "keytool",
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    "lab-root",
                    "-file",
                    str(root_pem),
                    "-keystore",
                    str(stores[kind]),
                    "-storetype",
                    kind,
                    "-storepass",
                    "changeit",
                ],
                check=True,
                capture_output=True,
            )
    else:
        stores["pkcs12"] = work / "trust.pkcs12"
        stores["pkcs12"].write_bytes(
            pkcs12.serialize_java_truststore(
                [pkcs12.PKCS12Certificate(c.cert, b"lab") for c in scenario.trust],
                serialization.BestAvailableEncryption(b"changeit"),
            )
        )
    store = stores.get("jks", stores["pkcs12"])
    floor = work / "floor.py"
    floor.write_text(FLOOR)
    import_floor = work / "import_floor.py"
    import_floor.write_text(IMPORT_FLOOR)
    python = sys.executable
    sslpoke = str(Path(python).parent / "sslpoke")
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "src")], check=True, env=ENV)

    with TlsServer(scenario.send) as server:
        port = str(server.port)

        def probe_with(path: Path, *extra: str) -> list[str]:
            return [
                sslpoke,
                "localhost",
                port,
                "--truststore",
                str(path),
                "--storepass",
                "changeit",
                *extra,
            ]

        contenders: dict[str, list[str]] = {
            "python ssl floor": [python, str(floor), port],
            "floor + crypto import": [python, str(import_floor), port],
            "sslpoke": probe_with(store),
            "sslpoke --json": probe_with(store, "--json"),
        }
        if "jks" in stores:
            contenders["sslpoke (PKCS#12)"] = probe_with(stores["pkcs12"])
        if shutil.which("openssl"):
            contenders["openssl s_client"] = [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{port}",
                "-servername",
                "localhost",
                "-brief",
            ]
        if shutil.which("java") and shutil.which("javac") and not args.no_jvm:
            classes = work / "classes"
            subprocess.run(
                ["javac", "-d", str(classes), str(ROOT / "src/sslpoke/java/SSLPokeProbe.java")],
                check=True,
            )
            contenders["JVM SSLPoke-like"] = [
                "java",
                f"-Djavax.net.ssl.trustStore={store}",
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "-cp",
                str(classes),
                "SSLPokeProbe",
                "localhost",
                port,
                "--connect",
                "127.0.0.1",
                "--mode",
                "sslpoke",
            ]
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for cmd in contenders.values():  # warm the page cache once
            timed(cmd)
        for _ in range(args.runs):
            for name, cmd in contenders.items():
                times[name].append(timed(cmd))

    medians = {name: statistics.median(values) for name, values in times.items()}
    floor_s = medians["python ssl floor"]
    print(f"truststore: {store.name} (keytool), server: sslpoke lab on 127.0.0.1, TLS 1.3")
    print(
        f"{'contender':<22} {'median ms':>10} {'min ms':>8} {'x floor':>8}   ({args.runs} runs each, interleaved)"
    )
    for name, median in medians.items():
        print(
            f"{name:<22} {median * 1000:>10.1f} {min(times[name]) * 1000:>8.1f} {median / floor_s:>8.2f}"
        )
    if args.show_all:
        for name, values in times.items():
            print(f"  {name}: " + " ".join(f"{v * 1000:.0f}" for v in values))
    ratio_floor = medians["sslpoke"] / floor_s
    print(f"\nsslpoke / python floor = {ratio_floor:.2f}  (target <= 2.5)")
    own = medians["sslpoke"] - medians["floor + crypto import"]
    print(f"sslpoke - (floor + crypto import) = {own * 1000:.1f} ms  (sslpoke's own share)")
    if "JVM SSLPoke-like" in medians:
        print(
            f"JVM / sslpoke         = {medians['JVM SSLPoke-like'] / medians['sslpoke']:.2f}  (target >= 2.0)"
        )


if __name__ == "__main__":
    main()
