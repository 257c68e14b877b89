"""Validations per second over the x509-limbo SERVER set: sslpoke next to pyca/cryptography.

Both sides start each validation from DER bytes (parsing included) and use the
same inputs: trust anchors, intermediates, validation time, peer name, max depth.
sslpoke is measured twice: its path validator alone, and the full ``sslpoke.verify``
(validation plus diagnosis and the report). pyca's verifier skips the CRL and
policy-constraint cases it does not support; its figure is over the cases it ran.

Target (issue 3): sslpoke at least half of cryptography's rate; no testcase over 1 s.

    .venv/bin/python bench/verify_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from cryptography import x509  # noqa: E402
from cryptography.x509 import verification as v  # noqa: E402

from sslpoke.pki.anchors import Anchor, AnchorSet  # noqa: E402
from sslpoke.pki.certs import Cert, CertificateParseError, pem_blocks  # noqa: E402
from sslpoke.pki.checks import Context  # noqa: E402
from sslpoke.pki.policy import WEBPKI  # noqa: E402
from sslpoke.pki.validate import validate  # noqa: E402
from tests.conformance.limbo import run_case, server_cases, skip_reason  # noqa: E402


def ders(pems: list[str]) -> list[bytes]:
    return [d for p in pems for d in pem_blocks(p.encode())]


def prepare() -> list[dict[str, object]]:
    out = []
    for case in server_cases():
        if skip_reason(case):
            continue
        when = (
            datetime.fromisoformat(case["validation_time"])
            if case["validation_time"]
            else datetime.now(UTC)
        )
        peer = case["expected_peer_name"]
        out.append(
            {
                "case": case,
                "id": case["id"],
                "leaf": ders([case["peer_certificate"]]),
                "inter": ders(case["untrusted_intermediates"]),
                "trusted": ders(case["trusted_certs"]),
                "at": when,
                "name": peer["value"] if peer else None,
                "depth": case["max_chain_depth"],
                "has_crl": bool(case["crls"]),
            }
        )
    return out


def sslpoke_validate(item: dict[str, object]) -> bool:
    try:
        leaf = Cert(item["leaf"][0])  # type: ignore[index]
    except (CertificateParseError, IndexError):
        return False
    inter, anchors = [], []
    for der in item["inter"]:  # type: ignore[attr-defined]
        with contextlib.suppress(CertificateParseError):
            inter.append(Cert(der))
    for der in item["trusted"]:  # type: ignore[attr-defined]
        with contextlib.suppress(CertificateParseError):
            anchors.append(Anchor(Cert(der)))
    ctx = Context(profile=WEBPKI, at=item["at"], hostname=item["name"])  # type: ignore[arg-type]
    return validate(leaf, inter, AnchorSet(anchors), ctx, max_depth=item["depth"]).ok  # type: ignore[arg-type]


def pyca_validate(item: dict[str, object]) -> bool | None:
    if item["has_crl"] or item["name"] is None:
        return None
    try:
        leaf = x509.load_der_x509_certificate(item["leaf"][0])  # type: ignore[index]
        inter = [x509.load_der_x509_certificate(d) for d in item["inter"]]  # type: ignore[attr-defined]
        store = v.Store([x509.load_der_x509_certificate(d) for d in item["trusted"]])  # type: ignore[attr-defined]
        builder = v.PolicyBuilder().store(store).time(item["at"])  # type: ignore[arg-type]
        if item["depth"] is not None:
            builder = builder.max_chain_depth(item["depth"])  # type: ignore[arg-type]
        name = str(item["name"])
        try:
            subject: v.Subject = v.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            subject = v.DNSName(name)
        builder.build_server_verifier(subject).verify(leaf, inter)
        return True
    except Exception:
        return False


def main() -> None:
    warnings.simplefilter("ignore")  # limbo's deliberately bad serial numbers
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    items = prepare()
    rates: dict[str, float] = {}
    slowest: tuple[float, str] = (0.0, "")
    for name, fn in (
        ("sslpoke validator", sslpoke_validate),
        ("sslpoke.verify (full report)", None),
        ("pyca/cryptography verifier", pyca_validate),
    ):
        best = float("inf")
        count = 0
        for _ in range(args.rounds):
            started = time.perf_counter()
            count = 0
            for item in items:
                t0 = time.perf_counter()
                if fn is None:
                    run_case(item["case"], "webpki")  # type: ignore[arg-type]
                    count += 1
                elif fn(item) is not None:
                    count += 1
                spent = time.perf_counter() - t0
                if fn is None and spent > slowest[0]:
                    slowest = (spent, str(item["id"]))
            best = min(best, time.perf_counter() - started)
        rates[name] = count / best
        print(
            f"{name:<30} {count:>4} testcases in {best * 1000:7.1f} ms  = {count / best:8.0f} validations/s"
        )
    ratio = rates["sslpoke validator"] / rates["pyca/cryptography verifier"]
    ratio_full = rates["sslpoke.verify (full report)"] / rates["pyca/cryptography verifier"]
    print(f"\nsslpoke validator / cryptography = {ratio:.2f}   (target >= 0.5)")
    print(f"sslpoke.verify    / cryptography = {ratio_full:.2f}")
    print(
        f"slowest testcase (sslpoke.verify): {slowest[1]} {slowest[0] * 1000:.1f} ms   (target < 1000 ms)"
    )


if __name__ == "__main__":
    main()
