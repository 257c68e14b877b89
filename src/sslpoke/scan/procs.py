"""The local scan on every core: one event loop per core, targets dealt out by host.

One Python process diagnoses 700-1,000 endpoints a second here (loopback, one
core), held back by its GIL (the handshakes' crypto releases it; the diagnosis
does not). This backend runs one :class:`~sslpoke.scan.engine.LocalBackend` in
this process and one in a worker process per other core, each with its
truststore, rules and caches loaded once, and deals the targets out by host:
every endpoint of one host goes to the same loop, so the per-host connection cap
holds exactly and each certificate is validated by one loop only. The global
rate limit is shared out evenly. Results stream back in completion order, in the
batches each loop completes (from a worker: pickled named tuples, each with its
JSON line made there); targets go out in chunks of what is ready to read (up to
:data:`CHUNK`), with back-pressure both ways, so memory stays bounded however
many targets are queued. (One hand-over per target and per result, measured: the
second worker then cost more than it brought.)

Workers are started with ``spawn`` (no fork of a threaded parent); the truststore
choice is handed over as data (a password travels through the pipe, never on a
command line).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from sslpoke.errors import ExitCode, SslpokeError
from sslpoke.scan.engine import ScanResult


class WorkerError(SslpokeError):
    """A scan worker process stopped: a bug, or the machine killed it (memory)."""

    exit_code = ExitCode.INTERNAL


_DONE = "sslpoke-worker-done"
_FAILED = "sslpoke-worker-failed"
QUEUE_PER_WORKER = 16  # chunks
CHUNK = 64  # targets handed to a worker at once, at most


def host_of(spec: str) -> str | None:
    """The host a target names (lower case), None when it does not parse."""
    from sslpoke.target import parse_target

    try:
        return parse_target(spec).host.lower()
    except SslpokeError:
        return None


class Dealer:
    """Deals targets out to ``workers`` by host: every endpoint of a host to the same
    worker (so the per-host cap holds exactly and its certificates are validated by one
    worker), each new host to the worker with the fewest endpoints so far. (Hashing the
    host, as before, balanced thousands of hosts but not a dozen: 12 loopback addresses
    went 9 to one worker and 3 to the other.) Past :data:`HOSTS` hosts remembered, a
    new host is placed by a hash of its name, which is as stable and needs no memory."""

    HOSTS = 100_000

    def __init__(self, workers: int) -> None:
        self.load = [0] * max(1, workers)
        self.hosts: dict[str, int] = {}

    def __call__(self, spec: str) -> int:
        if len(self.load) == 1:
            return 0
        host = host_of(spec)
        worker = self.hosts.get(host) if host is not None else None
        if worker is None:
            if host is not None and len(self.hosts) >= self.HOSTS:
                digest = hashlib.blake2b(host.encode(), digest_size=4).digest()
                worker = int.from_bytes(digest, "big") % len(self.load)
            else:
                worker = self.load.index(min(self.load))
                if host is not None:
                    self.hosts[host] = worker
        self.load[worker] += 1
        return worker


def useful_workers(specs: Iterable[str], cores: int) -> int:
    """How many of ``cores`` workers would get targets: one per host, at most ``cores``
    (targets are dealt out by host, so a scan of one host's many ports keeps one worker
    busy and would leave the others idle; their start-up and the hand-over through the
    parent were then pure cost: 5-25 % of the rate measured)."""
    hosts: set[str] = set()
    for spec in specs:
        host = host_of(spec)
        if host is not None:
            hosts.add(host)
            if len(hosts) >= cores:
                break
    return max(1, min(cores, len(hosts)))


def _targets(inbox: Any, stop: threading.Event | None = None) -> Iterator[str]:
    """The targets in ``inbox``'s chunks, until its ``None`` (or ``stop``, when given)."""
    while stop is None or not stop.is_set():
        try:
            chunk = inbox.get() if stop is None else inbox.get(timeout=0.5)
        except queue.Empty:
            continue
        if chunk is None:
            return
        yield from chunk


def _work(truststore: Any, engine: dict[str, Any], inbox: Any, outbox: Any) -> None:
    """A worker process: a local engine over the targets its inbox receives."""
    try:
        from sslpoke.scan.engine import LocalBackend, settled_gc
        from sslpoke.scan.output import JsonLines

        backend = LocalBackend(truststore, **engine)
        line = JsonLines()

        with settled_gc():
            for batch in backend.run_batches(_targets(inbox)):
                # each result's JSON line made here, beside the others' workers, not in
                # the parent, which writes for all of them
                outbox.put([r._replace(line=line(r)) for r in batch])
    except BaseException as exc:  # reported to the parent, which raises it as one line
        outbox.put((_FAILED, f"{type(exc).__name__}: {exc}"))
        return
    outbox.put(_DONE)


class ProcessBackend:
    """``workers`` event loops, each a :class:`LocalBackend` with ``concurrency/workers``
    endpoints in flight: one in this process (a thread), the others in worker
    processes. The same results as one LocalBackend, on every core. This process's
    own loop spares one process's start-up (its imports and truststore: ~0.2 s of
    CPU) and one hand-over per result for its share."""

    def __init__(self, truststore: Any = None, *, workers: int, **engine: Any) -> None:
        from sslpoke import analysis
        from sslpoke.pki.policy import get_profile

        # a bad store fails here, as one line; this process's loop uses it as chosen
        self.prepared = analysis.prepare_store(
            truststore, get_profile(engine.get("profile", "java"))
        )
        self.truststore = truststore
        self.workers = max(1, min(workers, 64))
        share = dict(engine)
        share["concurrency"] = max(1, int(engine.get("concurrency", 64)) // self.workers)
        if engine.get("rate"):
            share["rate"] = float(engine["rate"]) / self.workers
        self.engine = share

    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]:
        from sslpoke.scan.engine import LocalBackend

        ctx = multiprocessing.get_context("spawn")
        # shard 0 is this process's loop; the others go to worker processes
        mine: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_PER_WORKER)
        theirs = [ctx.Queue(maxsize=QUEUE_PER_WORKER) for _ in range(1, self.workers)]
        inboxes: list[Any] = [mine, *theirs]
        outbox = ctx.Queue(maxsize=QUEUE_PER_WORKER * self.workers)  # batches: bounded too
        # both shards' batches, in arrival order; bounded, so a slow reader (a writer on
        # a slow pipe) holds this process's loop back instead of piling results up
        results: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_PER_WORKER * self.workers)
        procs = [
            ctx.Process(
                target=_work,
                args=(self.truststore, self.engine, box, outbox),
                name=f"sslpoke-scan-{i}",
                daemon=True,
            )
            for i, box in enumerate(theirs, start=1)
        ]
        for p in procs:
            p.start()
        stop = threading.Event()
        halt = threading.Event()  # this process's loop: set with ``stop``, or as it ends

        def put(box: Any, item: Any) -> bool:
            """``item`` into the bounded ``box`` as soon as it has room; False: stopped."""
            while not stop.is_set():
                try:
                    box.put(item, timeout=0.5)
                    return True
                except queue.Full:
                    continue
            return False

        local = LocalBackend(prepared=self.prepared, **self.engine)

        def own() -> None:  # this process's shard, on its own loop
            try:  # stopped early (the caller is gone): what is in flight is dropped
                for batch in local.run_batches(_targets(mine, halt), halt):
                    put(results, batch)
            except BaseException as exc:
                put(results, (_FAILED, f"{type(exc).__name__}: {exc}"))
                return
            put(results, _DONE)

        def collect() -> None:  # the workers' batches, handed on as they come
            ended = 0
            while ended < len(procs) and not stop.is_set():
                try:
                    item = outbox.get(timeout=0.5)
                except queue.Empty:
                    continue
                ended += isinstance(item, str) and item == _DONE
                put(results, item)

        fed: list[BaseException] = []
        deal = Dealer(self.workers)

        ready: queue.Queue[Any] = queue.Queue(maxsize=CHUNK * self.workers)

        def read() -> None:  # the targets as they come (a file, or a slow pipe)
            try:
                for spec in specs:
                    if not put(ready, spec):
                        return
            except BaseException as exc:  # an unreadable target file, say: raised below
                fed.append(exc)
            finally:
                with contextlib.suppress(queue.Full):
                    ready.put(_DONE, timeout=5)

        def feed() -> None:
            # What is ready now goes out in one chunk per worker; a target that is alone
            # (a slow pipe) goes out alone rather than wait for company.
            try:
                ended = False
                while not ended and not stop.is_set():
                    try:
                        batch = [ready.get(timeout=0.5)]
                    except queue.Empty:
                        continue
                    while len(batch) < CHUNK * self.workers:
                        try:
                            batch.append(ready.get_nowait())
                        except queue.Empty:
                            break
                    chunks: list[list[str]] = [[] for _ in range(self.workers)]
                    for item in batch:
                        if item is _DONE:  # always the last
                            ended = True
                            break
                        chunks[deal(item)].append(item)
                    for box, chunk in zip(inboxes, chunks, strict=True):
                        if chunk and not put(box, chunk):
                            return
            finally:
                for box in inboxes:
                    with contextlib.suppress(Exception):
                        box.put(None, timeout=5)

        threads = [
            threading.Thread(target=read, name="sslpoke-scan-read", daemon=True),
            threading.Thread(target=feed, name="sslpoke-scan-feed", daemon=True),
            threading.Thread(target=own, name="sslpoke-scan-own", daemon=True),
            threading.Thread(target=collect, name="sslpoke-scan-collect", daemon=True),
        ]
        for thread in threads:
            thread.start()
        finished = 0
        try:
            while finished < self.workers:
                try:
                    item = results.get(timeout=1.0)
                except queue.Empty:
                    dead = [p for p in procs if p.exitcode not in (None, 0)]
                    if dead:
                        raise WorkerError(
                            f"scan worker {dead[0].name} stopped (exit code {dead[0].exitcode})"
                        ) from None
                    continue
                if item == _DONE:
                    finished += 1
                elif isinstance(item, tuple) and len(item) == 2 and item[0] == _FAILED:
                    raise WorkerError(f"a scan worker failed: {item[1]}")
                else:
                    yield from item
            if fed:
                raise fed[0]
        finally:
            stop.set()
            halt.set()
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
            for thread in threads:
                thread.join(timeout=5)
            for q in (*theirs, outbox):
                q.close()
                q.cancel_join_thread()
