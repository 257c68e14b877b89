"""Run cases against the real JVM and against sslpoke, over real TLS, and compare.

One loopback TLS server serves every case: the client's SNI name (unique per
case) selects the case's certificate chain. One JVM reads the cases on stdin
and answers each with a real handshake through the default PKIX trust manager
and HTTPS endpoint identification. sslpoke probes the same server with the
same PKCS#12 truststore (``sslpoke.probe``, the product's own path).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import sslpoke
from sslpoke.java.options import properties
from sslpoke.java.rules import profile_for, read_rules
from sslpoke.java.truststore import java_home_of
from sslpoke.pki.certs import der_to_pem
from sslpoke.pki.policy import Profile
from tests.differential.chains import Built, Case, build

HERE = Path(__file__).resolve().parent
JUDGE_SOURCE = HERE / "DiffJudge.java"


@dataclass
class Outcome:
    case: Case
    java_ok: bool | None  # None: the case could not be served
    java_text: str
    sslpoke_ok: bool | None
    sslpoke_codes: tuple[str, ...]

    @property
    def agree(self) -> bool:
        return self.java_ok == self.sslpoke_ok

    @property
    def kind(self) -> str:
        if self.agree:
            return "agree"
        return "java-fails-sslpoke-trusts" if self.sslpoke_ok else "java-trusts-sslpoke-fails"


def _pem(der: bytes) -> bytes:
    return der_to_pem(der).encode()


class Prepared:
    """A case's files on disk and its server context (or why it cannot be served)."""

    def __init__(self, case: Case, folder: Path) -> None:
        self.case = case
        self.store = folder / f"{case.ident}.p12"
        self.context: ssl.SSLContext | None = None
        self.problem = ""
        built = build(case)
        with warnings.catch_warnings():  # zero and negative serials are among the mutations
            warnings.simplefilter("ignore")
            anchors = self._anchors(case, built.ders)
        self.store.write_bytes(
            pkcs12.serialize_java_truststore(anchors, serialization.NoEncryption())
        )
        self._serve(case, built, folder)

    @staticmethod
    def _anchors(case: Case, ders: dict[str, bytes]) -> list[pkcs12.PKCS12Certificate]:
        return [
            pkcs12.PKCS12Certificate(x509.load_der_x509_certificate(ders[n]), f"t{i}".encode())
            for i, n in enumerate(case.trust)
        ]

    def _serve(self, case: Case, built: Built, folder: Path) -> None:
        chain = folder / f"{case.ident}.chain.pem"
        key = folder / f"{case.ident}.key.pem"
        chain.write_bytes(b"".join(_pem(built.ders[n]) for n in case.sent))
        key.write_bytes(
            built.keys["L"].private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        try:
            ctx.load_cert_chain(chain, key)
        except (ssl.SSLError, OSError) as exc:
            self.problem = f"the server cannot load the chain: {exc}"
            return
        self.context = ctx


class SniServer:
    """Accepts connections one at a time; the SNI name picks the case's context."""

    def __init__(self, contexts: dict[str, ssl.SSLContext]) -> None:
        self.contexts = contexts
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.base.sni_callback = self._pick
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _pick(self, sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        ctx = self.contexts.get(name or "")
        if ctx is not None:
            sslobj.context = ctx

    def _serve(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(10)
            with (
                suppress(OSError, ssl.SSLError),
                self.base.wrap_socket(conn, server_side=True) as tls,
                suppress(OSError, ssl.SSLError),
            ):
                tls.recv(1)  # wait for the client to close (or fail) first

    def close(self) -> None:
        self.stopping = True
        with suppress(OSError):
            self.sock.close()
        self.thread.join(5)


@contextmanager
def serving(prepared: Iterable[Prepared]) -> Iterator[SniServer]:
    server = SniServer({p.case.host: p.context for p in prepared if p.context is not None})
    try:
        yield server
    finally:
        server.close()


def compile_judge(javac: str, out: Path) -> Path:
    subprocess.run(
        [javac, "--release", "8", "-d", str(out), str(JUDGE_SOURCE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def java_verdicts(
    java: str,
    classes: Path,
    port: int,
    prepared: list[Prepared],
    jvm_args: tuple[str, ...] = (),
) -> dict[int, str]:
    lines = "".join(
        f"{p.case.ident} {p.case.host} {port} {p.store}\n"
        for p in prepared
        if p.context is not None
    )
    done = subprocess.run(
        [java, *jvm_args, "-cp", str(classes), "DiffJudge"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60 + 2 * len(prepared),
        check=False,
    )
    out: dict[int, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            _, ident, text = line.split(" ", 2)
            out[int(ident)] = text
    if len(out) != lines.count("\n"):
        raise RuntimeError(
            f"the JVM answered {len(out)} cases of {lines.count(chr(10))}: {done.stderr[-2000:]}"
        )
    return out


def _loopback(host: object, port: object, *args: object, **kw: object) -> list[tuple[object, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


def rules_of(java: str, jvm_args: tuple[str, ...] = ()) -> Profile:
    """The java profile with the rules of the judge JVM (as sslpoke reads them)."""
    binary = Path(shutil.which(java) or java)
    return profile_for(read_rules(java_home_of(binary), properties(jvm_args)))


def sslpoke_verdict(p: Prepared, port: int, profile: Profile) -> tuple[bool, tuple[str, ...]]:
    report = sslpoke.probe(
        p.case.host,
        port,
        truststore=p.store,
        timeout=10,
        reference=False,
        resolver=_loopback,
        profile=profile,
    )
    return report.ok, tuple(sorted({e.code.value for e in report.errors}))


def run(
    cases: list[Case], java: str, classes: Path, folder: Path, jvm_args: tuple[str, ...] = ()
) -> list[Outcome]:
    prepared = [Prepared(c, folder) for c in cases]
    profile = rules_of(java, jvm_args)
    outcomes: list[Outcome] = []
    with serving(prepared) as server:
        java_says = java_verdicts(java, classes, server.port, prepared, jvm_args)
        for p in prepared:
            if p.context is None:
                outcomes.append(Outcome(p.case, None, p.problem, None, ()))
                continue
            ok, codes = sslpoke_verdict(p, server.port, profile)
            text = java_says[p.case.ident]
            outcomes.append(Outcome(p.case, text.startswith("OK"), text, ok, codes))
    return outcomes


@dataclass
class Summary:
    seed: int
    total: int
    served: int
    agreed: int
    seconds: float
    by_kind: Counter[str]
    disagreements: list[Outcome]
    outcomes: list[Outcome]

    @property
    def agreement(self) -> float:
        return self.agreed / self.served if self.served else 1.0


def summarize(seed: int, outcomes: list[Outcome], seconds: float) -> Summary:
    served = [o for o in outcomes if o.java_ok is not None]
    bad = [o for o in served if not o.agree]
    return Summary(
        seed,
        len(outcomes),
        len(served),
        len(served) - len(bad),
        seconds,
        Counter(o.kind for o in bad),
        bad,
        outcomes,
    )


def timed_run(seed: int, cases: list[Case], java: str, classes: Path, folder: Path) -> Summary:
    started = time.monotonic()
    outcomes = run(cases, java, classes, folder)
    return summarize(seed, outcomes, time.monotonic() - started)
