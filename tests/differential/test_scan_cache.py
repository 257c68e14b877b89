"""A scan's shared work (ProbeCache) changes no report: differential, seeded.

The randomly mutated chains of the JVM differential test (validity, constraints,
key usage, names and wildcards, what the store holds and the server sends), each
met under several names in a random order, as a scan of a fleet meets a
certificate on many hosts. Each endpoint's report made with one cache for the
whole run — the chain validated once for the names it can be, the path reported
once per validation — must be the report made alone, field for field.
"""

from __future__ import annotations

import random
import ssl
from datetime import UTC, datetime
from pathlib import Path

from sslpoke import analysis
from sslpoke.errors import SslpokeError
from sslpoke.net.capture import Capture
from sslpoke.net.tls import TlsFacts
from sslpoke.pki.policy import get_profile
from sslpoke.report import json as rjson
from sslpoke.target import parse_target
from tests.differential import chains

SEED = 20261202
CASES = 120


def _names(case: chains.Case, rng: random.Random) -> list[str]:
    """The case's own name, others its wildcards or constraints may or may not cover,
    an IP literal; in a random order, some twice."""
    names = [case.host, f"x{case.ident}.{chains.DOMAIN}", f"a.b.{chains.DOMAIN}",
             chains.DOMAIN, "127.0.0.1", case.host.upper()]  # fmt: skip
    names += rng.sample(names, 2)
    rng.shuffle(names)
    return names


def _report(case_chain: tuple[bytes, ...], name: str, chosen: object, cache: object) -> dict:  # type: ignore[type-arg]
    target = parse_target(f"{name}:443")
    tls = TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", case_chain, False, target.servername)
    cap = Capture(target, "127.0.0.1:443", tls, None, None, 0.0)
    report = analysis.probe_report(
        target, cap, None, chosen, get_profile("java"),  # type: ignore[arg-type]
        check_hostname=True, at=AT, reference=False, save_chain=None, seconds=0.0,
        cache=cache,  # type: ignore[arg-type]
    )  # fmt: skip
    return rjson.to_dict(report, pems=False)


AT = datetime.now(UTC)


def test_a_scans_cache_changes_no_report(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    cache = analysis.ProbeCache()
    compared = shared = 0
    for case in chains.generate(SEED, CASES):
        built = chains.build(case)
        store = tmp_path / f"{case.ident}.pem"
        store.write_text("".join(ssl.DER_cert_to_PEM_cert(built.ders[n]) for n in case.trust))
        try:
            chosen = analysis.choose_store(str(store), None, None)
        except SslpokeError:
            continue  # a store the mutation made unreadable: no scan gets this far
        sent = tuple(built.ders[n] for n in case.sent)
        for name in _names(case, rng):
            alone = _report(sent, name, chosen, None)
            scanned = _report(sent, name, chosen, cache)
            assert scanned == alone, (case.label, name)
            compared += 1
        shared += 1
    assert shared >= CASES * 0.9 and compared >= shared * 8
    # the cache was used as a scan uses it: chains met under many names, one validation
    # for the names that validate (so fewer validations than endpoints)
    assert len(cache.chains_met) == shared
    alone_made = {k[0]: v for k, v in cache.validations.items() if k[1] is None}
    reused = sum(
        1 for (base, name), v in cache.validations.items()
        if name is not None and alone_made.get(base) is v  # type: ignore[index]
    )  # fmt: skip
    assert reused >= shared // 4, (reused, shared)
