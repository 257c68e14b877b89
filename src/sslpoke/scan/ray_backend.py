"""The scan beyond one machine: Ray actors, each running the local engine.

``pip install sslpoke[ray]``; ``sslpoke scan --ray auto`` (a local Ray, or the
cluster of ``RAY_ADDRESS``) or ``--ray ray://head:10001``. Targets go out in
batches (hundreds per task, never one task per handshake) to a pool of actors,
dealt out by host (all of a host's endpoints to one actor, so the per-host cap
holds across the cluster);
each actor holds one :class:`~sslpoke.scan.engine.LocalBackend` (truststore and
rules loaded once, its validation cache kept across batches) and returns the
batch's records; finished batches stream back with ``ray.wait`` as they
complete, so the outputs (JSON lines, HTML, resume) are the local scan's.
Each worker must have sslpoke installed and reach the endpoints; the truststore
is chosen on the driver and shipped to the actors with all a report says of it
(:class:`~sslpoke.analysis.PreparedStore`: its path, type and keytool for the fix
commands, the Java's rules and stock roots, its warnings), so a worker's reports are
the driver's own, whatever the worker's files and Java. No password travels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sslpoke.scan.engine import ScanResult

BATCH = 200


class RayBackend:
    def __init__(
        self,
        truststore: Any = None,
        *,
        address: str = "auto",
        actors: int | None = None,
        batch: int = BATCH,
        **engine: Any,
    ) -> None:
        import importlib

        try:
            ray: Any = importlib.import_module("ray")  # Ray's API is untyped
        except ImportError:
            from sslpoke.errors import UsageError

            raise UsageError("--ray needs Ray: pip install 'sslpoke[ray]'") from None
        self.ray = ray
        from sslpoke import analysis
        from sslpoke.pki.policy import get_profile

        # chosen here, before Ray starts: a bad store is one line at once
        prepared = analysis.prepare_store(truststore, get_profile(engine.get("profile", "java")))
        if not ray.is_initialized():
            if address == "local":
                ray.init(num_cpus=actors or 2, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=None if address == "auto" else address, log_to_driver=False)
        self.batch = max(1, min(batch, 10_000))
        n = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        worker = ray.remote(num_cpus=1)(_Worker)
        shared = ray.put(prepared)  # one copy in the object store, not one per actor
        self.actors: list[Any] = [worker.remote(shared, engine) for _ in range(n)]

    def run(self, specs: Iterable[str]) -> Iterator[ScanResult]:
        """Targets dealt to actors by host (every endpoint of a host to the same actor,
        so its per-host cap holds), in batches; at most two batches queued per actor."""
        from sslpoke.scan.procs import Dealer

        n = len(self.actors)
        deal = Dealer(n)
        buffers: list[list[str]] = [[] for _ in range(n)]
        pending: set[Any] = set()

        def finished(block: bool) -> Iterator[ScanResult]:
            while pending and (block or len(pending) >= 2 * n):
                done, _ = self.ray.wait(list(pending), num_returns=1)
                for ref in done:
                    pending.discard(ref)
                    results: list[ScanResult] = self.ray.get(ref)
                    yield from results
                if not block:
                    return

        for spec in specs:
            i = deal(spec)
            buffers[i].append(spec)
            if len(buffers[i]) >= self.batch:
                pending.add(self.actors[i].scan.remote(buffers[i]))
                buffers[i] = []
                yield from finished(block=False)
        for i, chunk in enumerate(buffers):
            if chunk:
                pending.add(self.actors[i].scan.remote(chunk))
        yield from finished(block=True)


class _Worker:
    """One actor: a local engine over the driver's prepared truststore."""

    def __init__(self, prepared: Any, engine: dict[str, Any]) -> None:
        from sslpoke.scan.engine import LocalBackend

        self.backend = LocalBackend(prepared=prepared, **engine)

    def scan(self, specs: list[str]) -> list[ScanResult]:
        """The batch's results (reports are plain named tuples: they pickle as they are).
        The actor's process is the scan's: its collector is settled while a batch runs."""
        from sslpoke.scan.engine import settled_gc

        with settled_gc():
            return list(self.backend.run(specs))
