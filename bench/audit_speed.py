"""A full server audit, side by side: sslpoke audit, sslyze, testssl.sh (one run).

    .venv/bin/python bench/audit_speed.py [--rounds 3]

Each tool audits the same loopback ``openssl s_server`` (TLS 1.2 + 1.3, the
system OpenSSL's default suites, RSA-2048) through a counting TCP relay, so
"connections" is what the server saw, counted the same way for every tool.
sslyze (AGPL) runs from its own venv (``~/.cache/sslpoke-bench/sslyze-venv``, made
with ``python3 -m venv ... && pip install sslyze``); testssl.sh from Debian's
package (``apt-get install testssl.sh``). A tool that is not installed is
reported as such. Targets (issue 11): 10x fewer connections than sslyze, a full
audit under 2 s on loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SSLYZE = Path.home() / ".cache" / "sslpoke-bench" / "sslyze-venv" / "bin" / "sslyze"


class Relay:
    """Accepts on a port, forwards each connection to the server, counts them."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.count += 1
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.target))
        except OSError:
            client.close()
            return

        def copy(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=copy, args=(server, client), daemon=True).start()
        copy(client, server)

    def take(self) -> int:
        with self.lock:
            n, self.count = self.count, 0
        return n


def _server(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    key, cert = tmp / "k.pem", tmp / "c.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "30", "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert), "-key",
         str(key), "-www", "-quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
    return proc, port


def _time(cmd: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
    return time.perf_counter() - started, done.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        proc, port = _server(Path(t))
        relay = Relay(port)
        target = f"localhost:{relay.port}"
        tools: list[tuple[str, list[str] | None]] = [
            ("sslpoke audit", [sys.executable, "-m", "sslpoke", "audit", "localhost",
                               str(relay.port), "--javas", "reference", "--json"]),
            ("sslyze (full scan)", [str(SSLYZE), target] if SSLYZE.exists() else None),
            ("testssl.sh", [shutil.which("testssl") or shutil.which("testssl.sh") or "",
                            "--quiet", "--color", "0", "--warnings", "off", target]
             if (shutil.which("testssl") or shutil.which("testssl.sh")) else None),
        ]  # fmt: skip
        rows = []
        try:
            for name, cmd in tools:
                if cmd is None:
                    rows.append((name, "not installed", "", ""))
                    continue
                times, conns = [], []
                for _ in range(args.rounds if name == "sslpoke audit" else 1):
                    relay.take()
                    seconds, code = _time(cmd)
                    times.append(seconds)
                    conns.append(relay.take())
                rows.append((name, f"{min(times):.2f} s", str(max(conns)), str(code)))
        finally:
            proc.terminate()
            proc.wait()
    env = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(f"Full audit of one loopback openssl s_server (TLS 1.2+1.3), {env}")
    print("| tool | wall time (best) | connections | exit |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
