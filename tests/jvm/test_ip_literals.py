"""Numeric hosts: the address sslpoke connects to is the one the JVM connects to.

``InetAddress.getByName`` in Java 17 and 25 is the judge, ``inet_aton`` (the C
library, which getaddrinfo uses) the other reader. For seeded random numeric
hosts (one to five parts; decimal, leading zeros, octal, hexadecimal, too large,
empty): where sslpoke reads an address, both read that address; where it takes a
host name, neither reads one, nor the C library in the name sslpoke looks up (a
trailing dot is a name's: ``1.2.3.`` is no address, ``1.2.3`` is); where it refuses the host as ambiguous, the two
readings differ and its message states Java's. Java's name lookups go to an
empty hosts file (``jdk.net.hosts.file``): no DNS.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import subprocess
from pathlib import Path

import pytest

from sslpoke.errors import UsageError
from sslpoke.target import parse_target
from tests.conftest import _require

SOURCE = """
import java.net.InetAddress;
public class Reads {
    public static void main(String[] args) throws Exception {
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String host; (host = in.readLine()) != null; ) {
            try {
                System.out.println("A " + InetAddress.getByName(host).getHostAddress());
            } catch (java.net.UnknownHostException e) {
                System.out.println("N " + e.getCause());
            }
        }
    }
}
"""


def _hosts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)

    def part() -> str:
        kind = rnd.choice(["dec", "dec", "zeros", "octal", "hex", "big", "empty"])
        if kind == "dec":
            return str(rnd.randint(0, 255))
        if kind == "zeros":
            return "0" * rnd.randint(1, 3) + str(rnd.randint(0, 255))
        if kind == "octal":
            return "0" + format(rnd.randint(0, 255), "o")
        if kind == "hex":
            return rnd.choice(["0x", "0X"]) + format(rnd.randint(0, 0xFFFF), rnd.choice("xX"))
        if kind == "big":
            return str(rnd.randint(256, 2**32 + 5))
        return ""

    hosts = {".".join(part() for _ in range(rnd.randint(1, 5))) for _ in range(count)}
    hosts |= {"010.0.0.1", "0177.0.0.1", "127.1", "1234", "0x7f000001", "127.0.0.08",
              "0251.254.169.254", "4294967295", "4294967296", "1.2.3.4.5", "0", "08", "09.1"}  # fmt: skip
    return sorted(h for h in hosts if h and h[0].isdigit())


@pytest.fixture(scope="module")
def reads_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reads")
    (out / "Reads.java").write_text(SOURCE)
    subprocess.run(
        [_require("javac"), "--release", "17", "-d", str(out), str(out / "Reads.java")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (out / "hosts").write_text("")
    return out


def _java_reads(java: str, classes: Path, hosts: list[str]) -> list[str | None]:
    done = subprocess.run(
        [java, f"-Djdk.net.hosts.file={classes / 'hosts'}", "-cp", str(classes), "Reads"],
        input="\n".join(hosts) + "\n", capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert len(lines) == len(hosts), done.stderr[-2000:]
    return [line[2:] if line.startswith("A ") else None for line in lines]


def _c_reads(host: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(socket.inet_aton(host)))
    except OSError:
        return None


@pytest.mark.parametrize("which", ["java", "java25"])
def test_sslpoke_connects_where_the_jvm_does(
    which: str, reads_class: Path, request: pytest.FixtureRequest
) -> None:
    java = request.getfixturevalue(which)
    hosts = _hosts(20261202, 600)
    judged = _java_reads(java, reads_class, hosts)
    kinds = {"address": 0, "name": 0, "ambiguous": 0}
    for host, java_reads in zip(hosts, judged, strict=True):
        c_reads = _c_reads(host)
        try:
            target = parse_target(host)
        except UsageError as exc:
            if "ambiguous" in str(exc):
                kinds["ambiguous"] += 1
                assert java_reads != c_reads, host
                words = f"Java reads it as {java_reads}," if java_reads else "Java does not take it"
                assert words in str(exc), (host, str(exc))
                continue
            target = None  # not a valid host name either: an address to nobody
        if target is not None and target.is_ip:
            kinds["address"] += 1
            assert java_reads == c_reads == target.host, host
        else:
            kinds["name"] += 1
            assert java_reads is None and c_reads is None, (host, java_reads, c_reads)
            if target is not None:  # and the name sslpoke looks up is no address either
                assert _c_reads(target.host) is None, (host, target.host)
    assert min(kinds.values()) >= 20, kinds  # every outcome really tried
