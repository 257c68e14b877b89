"""The scan engine: many endpoints, one truststore, the probe's own diagnosis.

One small interface, :class:`Backend` (``run(specs)`` yields one
:class:`ScanResult` per endpoint as it completes), so every backend shares the
diagnosis. :class:`LocalBackend` is an asyncio event loop (on a thread of its
own, so ``run`` stays a plain iterator): implicit-TLS handshakes run on the loop
itself, STARTTLS dialogues and first DNS lookups on a thread pool beside it; a
cap of connections per host, a global rate limit, a timeout per endpoint step;
the truststore and the validation rules loaded once, and validations cached
(:class:`~sslpoke.analysis.ProbeCache`) so a wildcard certificate on 500 hosts is
validated once. Results stream: nothing holds more than the endpoints in flight.
:mod:`sslpoke.scan.procs` runs one such loop per core; :mod:`sslpoke.scan.ray_backend`
one per Ray actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sslpoke.net.connect import CachingResolver
from sslpoke.report.model import Report

if TYPE_CHECKING:
    from sslpoke.analysis import PreparedStore

_END = object()
INTERNAL_ERROR = "internal error (a bug in sslpoke: please report it)"


class ScanResult(NamedTuple):
    spec: str  # the target as given
    report: Report | None
    error: str | None  # bad input (an unparsable target), never a network failure
    seconds: float
    #: its JSON line (:class:`~sslpoke.scan.output.JsonLines`), when the worker process
    #: that made it wrote it there (:mod:`sslpoke.scan.procs`); None: not made yet
    line: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


class Backend(Protocol):
    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]: ...


class _RateLimit:
    """At most ``rate`` new connections per second (a token bucket); None: no limit."""

    def __init__(self, rate: float | None) -> None:
        self.rate, self.next = rate, time.monotonic()

    async def wait(self) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)  # paces the connection; not synchronisation


class _HostSlots:
    """A semaphore per host, dropped when nobody holds it (bounded by the hosts in flight)."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self.slots: dict[str, asyncio.Semaphore] = {}
        self.users: Counter[str] = Counter()

    def get(self, host: str) -> asyncio.Semaphore:
        if host not in self.slots:
            self.slots[host] = asyncio.Semaphore(self.per_host)
        self.users[host] += 1
        return self.slots[host]

    def release(self, host: str) -> None:
        self.users[host] -= 1
        if self.users[host] <= 0:
            del self.users[host], self.slots[host]


class _Intake:
    """The targets, read on a thread of their own.

    Read on the loop, a slow pipe (``nmap ... | sslpoke scan -``) stalled every
    handshake in flight until its next line, and those handshakes then timed out. The
    thread reads ahead at most ``ahead`` targets, in bursts (it waits until the loop
    has taken half), and wakes the loop only when it had nothing to take: no hand-over
    per target."""

    def __init__(self, specs: Iterable[str], ahead: int, stop: threading.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.buffer: deque[str] = deque()
        self.ahead = max(2, ahead)
        self.want = threading.Event()  # the loop has taken half: read on
        self.ready = asyncio.Event()  # something to take, or the end
        self.ended = False
        self.error: BaseException | None = None
        self.stop = stop
        threading.Thread(
            target=self._read, args=(specs,), name="sslpoke-scan-input", daemon=True
        ).start()

    def _read(self, specs: Iterable[str]) -> None:
        try:
            for spec in specs:
                if self.stop.is_set():
                    return
                if len(self.buffer) >= self.ahead:
                    self.want.clear()
                    while len(self.buffer) >= self.ahead // 2 and not self.stop.is_set():
                        self.want.wait(0.5)
                self.buffer.append(spec)
                if len(self.buffer) == 1:
                    self._wake()
        except BaseException as exc:  # an unreadable target file, say: raised on the loop
            self.error = exc
        finally:
            self.ended = True
            self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self.loop.call_soon_threadsafe(self.ready.set)

    async def next(self) -> str | None:
        """The next target; None at the end of the input."""
        while True:
            if self.buffer:
                spec = self.buffer.popleft()
                if len(self.buffer) < self.ahead // 2:
                    self.want.set()
                return spec
            if self.ended:
                if self.buffer:
                    continue
                if self.error is not None:
                    raise self.error
                return None
            self.ready.clear()
            if not self.buffer and not self.ended:
                await self.ready.wait()


GC_YOUNG = 10_000  # allocations between young collections (Python's default: 700)


@contextlib.contextmanager
def settled_gc() -> Iterator[None]:
    """While a scan runs in this process (the command's, a worker), once its truststore
    and rules are loaded: the cyclic garbage collector's work cut to what a scan needs.

    Everything loaded before (modules, the truststore's certificates, the rules) lives
    through the scan, yet each full collection walked all of it again: it is frozen
    (not walked), and young collections run every :data:`GC_YOUNG` allocations instead
    of 700 (a scan allocates a few hundred objects per endpoint, nearly all freed by
    their reference counts). Measured on 2,000 loopback endpoints: the collector took
    10-80 ms of a 2-2.5 s scan (80 with a full collection), 3-15 ms with this. The
    cyclic garbage waiting for a collection stays bounded by that count. Both are undone
    at the end (``sslpoke.cli.main`` may run in a caller's process); a library caller's
    collector is left alone."""
    import gc

    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], GC_YOUNG), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


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
        prepared: PreparedStore | None = None,
    ) -> None:
        """``prepared``: an :class:`~sslpoke.analysis.PreparedStore` made on another
        machine (Ray's driver), used instead of choosing ``truststore`` here."""
        from sslpoke import analysis
        from sslpoke.net.tls13 import ClientKeys
        from sslpoke.pki.policy import get_profile

        self.cache = analysis.ProbeCache()
        if prepared is not None:
            self.chosen, self.policy = prepared.chosen, prepared.policy
            self.cache.adopt(prepared)
        else:
            self.chosen = analysis.choose_store(truststore, None, None)  # loaded once
            self.policy = get_profile(profile)
        self.timeout = timeout
        self.concurrency = max(1, min(concurrency, 4096))
        self.per_host = max(1, per_host)
        self.rate = rate
        self.resolver = CachingResolver()
        self.not_plain: set[str] = set()  # listeners (ip:port) left to OpenSSL (net/tls13)
        self.keys = ClientKeys()  # the TLS 1.3 capture's client X25519 keys

    async def _one(
        self, spec: str, hosts: _HostSlots, rate: _RateLimit, pool: ThreadPoolExecutor
    ) -> ScanResult:
        from sslpoke import analysis
        from sslpoke.errors import SslpokeError
        from sslpoke.net.acapture import capture_async
        from sslpoke.net.errors import NetError
        from sslpoke.target import parse_target

        started = time.monotonic()
        try:
            target = parse_target(spec)
        except SslpokeError as exc:
            return ScanResult(spec, None, str(exc), 0.0)
        host = target.host.lower()
        slot = hosts.get(host)
        cap, error = None, None
        try:
            async with slot:
                await rate.wait()
                try:
                    cap = await capture_async(
                        target,
                        timeout=self.timeout,
                        resolver=self.resolver,
                        executor=pool,
                        not_plain=self.not_plain,
                        keys=self.keys,
                    )
                except NetError as exc:
                    error = exc
        finally:
            hosts.release(host)
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
            cache=self.cache,
        )
        return ScanResult(spec, report, None, time.monotonic() - started)

    async def _main(
        self, specs: Iterable[str], out: queue.Queue[Any], stop: threading.Event
    ) -> None:
        hosts = _HostSlots(self.per_host)
        rate = _RateLimit(self.rate)
        limit = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        # Results leave the loop once per loop pass, as one batch: a hand-over per result
        # woke the reader thread (and moved the GIL) thousands of times a second.
        batch: list[ScanResult] = []
        loop = asyncio.get_running_loop()

        def hand_over() -> None:
            out.put(batch[:])
            batch.clear()

        def deliver(result: ScanResult) -> None:
            if not batch:
                loop.call_soon(hand_over)
            batch.append(result)

        # blocking steps (STARTTLS dialogues, first lookups) wait here, off the loop
        with ThreadPoolExecutor(max_workers=min(self.concurrency, 256)) as pool:

            async def one(spec: str) -> None:
                try:
                    deliver(await self._one(spec, hosts, rate, pool))
                except Exception as exc:  # a bug must not lose the endpoint, nor the scan
                    deliver(
                        ScanResult(
                            spec, None, f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}", 0.0
                        )
                    )
                finally:
                    limit.release()

            intake = _Intake(specs, self.concurrency * 2, stop)
            while (spec := await intake.next()) is not None:
                await limit.acquire()
                while out.qsize() > 8 and not stop.is_set():  # batches of results
                    await asyncio.sleep(0.005)  # the reader is behind: let it catch up
                if stop.is_set():
                    limit.release()
                    break
                task = asyncio.create_task(one(spec))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            while tasks:
                if stop.is_set():  # the reader is gone (interrupted): drop what is in flight
                    for task in tasks:
                        task.cancel()
                await asyncio.wait(list(tasks), timeout=0.2)
            await asyncio.sleep(0)  # the last batch's hand-over runs

    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]:
        for batch in self.run_batches(specs):
            yield from batch

    def run_batches(
        self, specs: Iterable[str], stop: threading.Event | None = None
    ) -> Iterator[list[ScanResult]]:
        """:meth:`run`, the results in the batches the loop hands over (what completed
        in one pass of it): for a caller that ships results on, one hand-over each.
        Closing the generator, or setting ``stop`` (from any thread), ends the scan
        early: what is in flight is dropped. (The generator sets ``stop`` as it ends.)"""
        out: queue.Queue[Any] = queue.Queue()
        failure: list[BaseException] = []
        if stop is None:
            stop = threading.Event()

        def loop() -> None:
            try:
                asyncio.run(self._main(specs, out, stop))
            except BaseException as exc:  # raised in the caller's thread below
                failure.append(exc)
            finally:
                out.put(_END)

        thread = threading.Thread(target=loop, name="sslpoke-scan-loop", daemon=True)
        thread.start()
        try:
            while True:
                item = out.get()
                if item is _END:
                    break
                yield item
        finally:
            stop.set()
            thread.join()
        if failure:
            raise failure[0]
