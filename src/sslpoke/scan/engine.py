"""The scan engine: many endpoints, one truststore, the probe's own diagnosis.

One small interface, :class:`Backend` (``run(specs)`` yields one
:class:`ScanResult` per endpoint as it completes), so every backend shares the
diagnosis: :class:`LocalBackend` runs the connections on a thread pool (the
handshake waits on the network; the GIL is released meanwhile), with a cap of
connections per host, a global rate limit, a timeout per endpoint, the truststore
and the validation rules loaded once, and validations cached by (chain, name,
store, profile) so a wildcard certificate on 500 hosts is validated once.
Results stream: nothing holds more than the endpoints in flight.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from sslpoke.report.model import Report


class ScanResult(NamedTuple):
    spec: str  # the target as given
    report: Report | None
    error: str | None  # bad input (an unparsable target), never a network failure
    seconds: float

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


class Backend(Protocol):
    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]: ...


class _RateLimit:
    """At most ``rate`` new connections per second (a token bucket); None: no limit."""

    def __init__(self, rate: float | None) -> None:
        self.rate, self.lock, self.next = rate, threading.Lock(), time.monotonic()

    def wait(self) -> None:
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next)
            self.next = slot + 1.0 / self.rate
        delay = slot - now
        if delay > 0:
            threading.Event().wait(delay)  # paces the caller; not synchronisation


class LocalBackend:
    def __init__(
        self,
        truststore: Any = None,
        *,
        profile: str = "java",
        timeout: float = 10.0,
        concurrency: int = 64,
        per_host: int = 5,
        rate: float | None = None,
    ) -> None:
        from sslpoke import analysis
        from sslpoke.pki.policy import get_profile

        self.chosen = analysis.choose_store(truststore, None, None)  # loaded once
        self.policy = get_profile(profile)
        self.timeout = timeout
        self.concurrency = max(1, min(concurrency, 1024))
        self.per_host = max(1, per_host)
        self.rate = _RateLimit(rate)
        self.cache: dict[tuple[object, ...], Any] = {}
        self.host_slots: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self.per_host)
        )
        self.lock = threading.Lock()

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self.lock:
            return self.host_slots[host.lower()]

    def one(self, spec: str) -> ScanResult:
        from sslpoke import analysis
        from sslpoke.errors import SslpokeError
        from sslpoke.net.capture import capture
        from sslpoke.net.errors import NetError
        from sslpoke.target import parse_target

        started = time.monotonic()
        try:
            target = parse_target(spec)
        except SslpokeError as exc:
            return ScanResult(spec, None, str(exc), 0.0)
        slot = self._slot(target.host)
        with slot:
            self.rate.wait()
            cap, error = None, None
            try:
                cap = capture(target, timeout=self.timeout)
            except NetError as exc:
                error = exc
        report = analysis.probe_report(
            target,
            cap,
            error,
            self.chosen,
            self.policy,
            check_hostname=True,
            at=datetime.now(UTC),
            reference=False,
            save_chain=None,
            seconds=time.monotonic() - started,
            validation_cache=self.cache,
        )
        return ScanResult(spec, report, None, time.monotonic() - started)

    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]:
        pending: set[Future[ScanResult]] = set()
        it = iter(specs)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for spec in it:
                pending.add(pool.submit(self.one, spec))
                if len(pending) >= self.concurrency * 2:  # bounded: stream, never queue all
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        yield f.result()
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
