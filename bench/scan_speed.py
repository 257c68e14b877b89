"""Fleet scan speed, side by side in one run: sslpoke scan, sslyze, a bare asyncio loop.

    .venv/bin/python bench/scan_speed.py [--endpoints 2000] [--servers 10]

Loopback ``openssl s_server`` processes (three chains: trusted, self-signed,
wrong name), each on a loopback address of its own (127.0.0.1, 127.0.0.2, ...: a
fleet's hosts), serve ``--endpoints`` targets (each server listed many times). Measured: endpoints per second fully diagnosed by ``sslpoke scan`` (the
Java verdict, JSON lines out), by sslyze ``--certinfo`` (its own venv:
``~/.cache/sslpoke-bench/sslyze-venv``), and a bare asyncio handshake loop
(verification off, the ceiling); and the peak memory of ``sslpoke scan`` with
100,000 queued targets (all refused at once: the queue, not the network).
Targets (issue 12): >= 700/s, >= 15x sslyze, >= 70 % of the bare loop, < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SSLYZE = Path.home() / ".cache" / "sslpoke-bench" / "sslyze-venv" / "bin" / "sslyze"


def _port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


def _servers(
    tmp: Path, count: int
) -> tuple[list[subprocess.Popen[bytes]], list[tuple[str, int]], Path]:
    """``count`` servers, each on an address of its own (127.0.0.1, 127.0.0.2, ...: a
    fleet's hosts), the certificates naming those addresses."""
    ips = [f"127.0.0.{1 + i}" for i in range(count)]
    names = ",".join(["DNS:localhost", *(f"IP:{ip}" for ip in ips)])

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(tmp / "ca.key"), "-out", str(tmp / "ca.pem"), "-days", "30", "-subj", "/CN=Bench CA")  # fmt: skip
    kinds = []
    for name, cn, san in (
        ("good", "localhost", names),
        ("wrong", "other.example", "DNS:other.example"),
    ):
        key, csr, crt = tmp / f"{name}.key", tmp / f"{name}.csr", tmp / f"{name}.pem"
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
            "-out", str(csr), "-subj", f"/CN={cn}")  # fmt: skip
        ext = tmp / f"{name}.ext"
        ext.write_text(f"subjectAltName={san}\n")
        run("x509", "-req", "-in", str(csr), "-CA", str(tmp / "ca.pem"), "-CAkey", str(tmp / "ca.key"),
            "-CAcreateserial", "-out", str(crt), "-days", "30", "-extfile", str(ext))  # fmt: skip
        kinds.append((crt, key))
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(tmp / "self.key"), "-out", str(tmp / "self.pem"), "-days", "30",
        "-subj", "/CN=localhost", "-addext", f"subjectAltName={names}")  # fmt: skip
    kinds.append((tmp / "self.pem", tmp / "self.key"))
    procs, listeners = [], []
    for i, ip in enumerate(ips):
        crt, key = kinds[i % len(kinds)]
        port = _port(ip)
        procs.append(subprocess.Popen(
            ["openssl", "s_server", "-accept", f"{ip}:{port}", "-cert", str(crt), "-key", str(key), "-cert_chain", str(tmp / "ca.pem"), "-www", "-quiet", "-naccept", "1000000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        listeners.append((ip, port))
    for ip, port in listeners:
        for _ in range(200):
            try:
                socket.create_connection((ip, port), timeout=0.2).close()
                break
            except OSError:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    procs[0].wait(timeout=0.05)
    return procs, listeners, tmp / "ca.pem"


async def _bare(specs: list[tuple[str, int]], concurrency: int) -> None:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sem = asyncio.Semaphore(concurrency)

    async def one(host: str, port: int) -> None:
        async with sem:
            try:
                _, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=None)
                writer.close()
            except OSError:
                pass

    await asyncio.gather(*(one(h, p) for h, p in specs))


def _cpu(before: resource.struct_rusage, after: resource.struct_rusage) -> float:
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", type=int, default=2000)
    ap.add_argument("--servers", type=int, default=12)
    args = ap.parse_args()
    # As an installed package is: bytecode compiled once (pip does it at install; this
    # machine sets PYTHONDONTWRITEBYTECODE, so an editable checkout would otherwise
    # compile sslpoke's sources at every start, 0.2 s of a 3 s run). bench/probe_speed.py
    # does the same.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "sslpoke")],
                   check=True)  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        procs, listeners, ca = _servers(tmp, args.servers)
        try:
            specs = [listeners[i % len(listeners)] for i in range(args.endpoints)]
            targets = tmp / "targets.txt"
            targets.write_text("".join(f"{h}:{p}\n" for h, p in specs))
            # the default picks the workers itself (one per core: the hosts fill them); the
            # last row keeps the default truststore (the java on PATH's, which trusts no
            # endpoint here: every report a failure, each with the store's own warnings)
            for workers, store in ((None, True), ("1", True), (str(os.cpu_count() or 1), True),
                                   ("1", False)):  # fmt: skip
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "sslpoke", "scan", str(targets),
                     *(("--truststore", str(ca)) if store else ()),
                     "--per-host", "64", "--jsonl", str(tmp / "out.jsonl"), "-q",
                     *(("--workers", workers) if workers else ())],
                    capture_output=True, timeout=3600,
                )  # fmt: skip
                dt = time.perf_counter() - started
                cpu = _cpu(before, resource.getrusage(resource.RUSAGE_CHILDREN))
                how = f"--workers {workers}" if workers else "(default)"
                how += "" if store else ", the java's own truststore: all failing"
                rows.append((f"sslpoke scan {how} (Java verdict, JSON lines)",
                             args.endpoints / dt, dt, cpu / args.endpoints))  # fmt: skip
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            asyncio.run(_bare(specs, 64))
            dt = time.perf_counter() - started
            cpu = _cpu(before, resource.getrusage(resource.RUSAGE_SELF))
            rows.append(("bare asyncio handshakes (no verification)", args.endpoints / dt, dt,
                         cpu / args.endpoints))  # fmt: skip
            if SSLYZE.exists():
                count = min(args.endpoints, 300)  # sslyze is slow: a sample, rate extrapolated
                (tmp / "sslyze.txt").write_text("".join(f"{h}:{p}\n" for h, p in specs[:count]))
                started = time.perf_counter()
                subprocess.run([str(SSLYZE), "--certinfo", "--targets_in", str(tmp / "sslyze.txt"), "--quiet"],
                               capture_output=True, timeout=3600)  # fmt: skip
                dt = time.perf_counter() - started
                rows.append((f"sslyze --certinfo ({count} endpoints)", count / dt, dt, None))
            else:
                rows.append(("sslyze: not installed", 0.0, 0.0, None))
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait()
        big = tmp / "big.txt"
        big.write_text("127.0.0.1:1\n" * 100_000)  # refused at once: measures the queue
        done = subprocess.run(
            [sys.executable, "-c",
             "import resource, sys; from sslpoke.cli import main; "
             "main(['scan', sys.argv[1], '-q', '--system', '--timeout', '2']); "
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)", str(big)],
            capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        rss = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"
    print(
        f"{args.endpoints} loopback endpoints ({args.servers} openssl s_server), {os.cpu_count()} cores"
    )
    print("| tool | endpoints/s | seconds | client CPU per endpoint |\n|---|---|---|---|")
    for name, rate, dt, cpu in rows:
        per = f"{cpu * 1000:.2f} ms" if cpu is not None else "-"
        print(f"| {name} | {rate:.0f} | {dt:.1f} | {per} |")
    print(f"peak memory, 100,000 queued targets: {int(rss) // 1024 if rss.isdigit() else rss} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
