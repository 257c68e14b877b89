"""``sslpoke scan``: many loopback endpoints; each verdict must equal a single probe's."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

import sslpoke
from sslpoke.lab.scenarios import Lab
from sslpoke.report import csvcell
from sslpoke.report import json as rjson
from sslpoke.scan.engine import LocalBackend
from sslpoke.scan.targets import from_app_dir, from_lines, urls_in
from tests.conftest import serving, write_p12, write_pem

NAMES = ("trusted", "expired", "wrong-host", "unknown-root", "missing-intermediate", "self-signed")


@contextmanager
def fleet(lab: Lab) -> Iterator[dict[str, int]]:
    with ExitStack() as stack:
        yield {n: stack.enter_context(serving(lab.scenarios()[n]())).port for n in NAMES}


def test_scan_equals_one_probe_per_endpoint(lab: Lab, tmp_path: Path) -> None:
    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        specs = [f"localhost:{p}" for p in ports.values()]
        targets = tmp_path / "targets.txt"
        targets.write_text(
            "# our endpoints\n"
            + "\n".join(specs)
            + f"\nHost: 127.0.0.1 (localhost)\tPorts: {ports['trusted']}/open/tcp//https///, 9/closed/tcp//discard///\n"
            + "bad host name with spaces\n"
        )
        env = {**os.environ, "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(targets), "--truststore", str(root),
             "--jsonl", str(tmp_path / "out.jsonl"), "--csv", str(tmp_path / "out.csv"), "--quiet"],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        singles = {s: sslpoke.probe(s, truststore=str(root), reference=False) for s in specs}
    assert done.returncode == 1, done.stderr
    raw = (tmp_path / "out.jsonl").read_text()
    assert '"pem": "' not in raw and '"chain"' not in raw  # the lines stay short: no PEMs
    lines = [json.loads(x) for x in raw.splitlines()]
    by_spec = {x["spec"]: x for x in lines}
    assert set(by_spec) == {*specs, "bad"}, sorted(by_spec)
    for spec, report in singles.items():
        got = by_spec[spec]
        assert got["ok"] == report.ok and got["exit_code"] == int(report.exit_code), spec
        assert [p["code"] for p in got["problems"]] == [p.code.value for p in report.problems], spec
        # the same words and the same fix lines (the scan keeps the store's part of them)
        assert [(p["message"], p["fix"], p["commands"]) for p in got["problems"]] == [
            (p.message, p.fix, list(p.commands)) for p in report.problems
        ], spec
        assert got["truststore"] == dict(report.truststore._asdict(), notes=[]), spec
    assert by_spec["bad"]["exit_code"] == 3  # "bad" is a host name that does not resolve
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0].startswith("target,ok,exit_code,code") and len(rows) == 1 + len(lines)
    assert "of 8 endpoints trusted" in done.stdout or "of 7 endpoints trusted" in done.stdout


def test_json_lines_are_the_records_byte_for_byte(lab: Lab, tmp_path: Path) -> None:
    """The scan writes its JSON lines from pieces it keeps (a certificate's JSON is made
    once per scan); each line must still be exactly ``json.dumps`` of the record, on the
    first meeting of a certificate and on every later one, for failures of every kind
    (no chain at all, an unparsable target) too."""
    from sslpoke.scan.output import JsonLines, record

    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        specs = [f"localhost:{p}" for p in ports.values()] * 3 + ["localhost:1", "bad host"]
        results = list(LocalBackend(str(root), per_host=8).run(specs))
    assert len(results) == len(specs)
    lines = JsonLines()
    for result in results:
        assert lines(result) == json.dumps(record(result), default=str, ensure_ascii=False)
    assert 0 < len(lines.pieces) < len(results)  # kept, and met again
    lines = JsonLines()
    lines.LIMIT = 1  # a full store of pieces is emptied, not grown
    for result in results:
        assert lines(result) == json.dumps(record(result), default=str, ensure_ascii=False)
        assert len(lines.pieces) <= 1


def test_resume_skips_what_was_written(lab: Lab, tmp_path: Path) -> None:
    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        specs = [f"localhost:{p}" for p in ports.values()]
        targets = tmp_path / "t.txt"
        targets.write_text("\n".join(specs) + "\n")
        out = tmp_path / "out.jsonl"
        first = [json.dumps({"spec": s, "ok": True}) for s in specs[:2]]
        out.write_text("\n".join(first) + '\n{"spec": "cut sho')  # an interrupted line
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(targets), "--truststore", str(root), "--resume", str(out), "-q"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    written = [
        json.loads(x)["spec"] for x in out.read_text().splitlines()[3:]
    ]  # after the cut line
    assert sorted(written) == sorted(specs[2:]), written
    assert "resumed: 2 endpoints" in done.stdout
    # the summary and the exit code cover the whole scan, the endpoints done before too
    assert f"of {len(specs)} endpoints trusted" in done.stdout and done.returncode == 1


def test_a_certificate_on_many_endpoints_is_validated_once(lab: Lab, tmp_path: Path) -> None:
    root = write_pem([lab.root], tmp_path / "root.pem")
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        backend = LocalBackend(str(root), concurrency=8, per_host=2)
        results = list(backend.run([f"localhost:{server.port}"] * 40))
    assert len(results) == 40 and all(r.ok for r in results)
    assert len(backend.cache.validations) == 1


def test_a_wildcard_on_many_hosts_is_validated_once_and_reported_as_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One wildcard certificate behind 22 names: the scan validates the chain once for
    all the names it matches (ProbeCache.validation), and a name it does not match with
    the name — and every endpoint's report is the single probe's, field for field."""
    from sslpoke import analysis
    from sslpoke.lab.pki import issue
    from sslpoke.scan.output import record
    from tests.integration.test_audit import s_server

    root = issue("Fleet Root", ca=True)
    inter = issue("Fleet Intermediate", root, ca=True)
    leaf = issue("*.example.test", inter, sans=["*.example.test"])
    for name, data in (("root.pem", root.pem), ("leaf.pem", leaf.pem), ("leaf.key", leaf.key_pem),
                       ("inter.pem", inter.pem)):  # fmt: skip
        (tmp_path / name).write_bytes(data)
    calls: list[str | None] = []
    real = analysis.validate

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args[3].hostname)  # type: ignore[attr-defined]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "validate", counted)
    good = [f"h{i}.example.test" for i in range(20)]
    bad = ["a.b.example.test", "other.test"]  # a wildcard matches one label only
    store = str(tmp_path / "root.pem")
    leaf_args = ["-cert", str(tmp_path / "leaf.pem"), "-key", str(tmp_path / "leaf.key")]
    with s_server(*leaf_args, "-cert_chain", str(tmp_path / "inter.pem")) as port:

        def loopback(host: str, p: int, **_: object) -> list[tuple[object, ...]]:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", p))]

        backend = LocalBackend(store, concurrency=4, per_host=2)
        specs = [f"{n}:{port}" for n in (*good, *bad)]
        for spec in specs:
            host = spec.rsplit(":", 1)[0]
            backend.resolver.answers[(host, port)] = loopback(host, port)
        results = {r.spec: r for r in backend.run(specs)}
        validated = list(calls)
        alone = {
            spec: sslpoke.probe(spec, truststore=store, resolver=loopback, reference=False)
            for spec in specs
        }
    assert len(validated) <= 4, validated  # 22 before: one per name
    assert validated.count(None) == 1  # the chain alone, once
    assert all(results[f"{n}:{port}"].ok for n in good)
    for spec in specs:
        assert _comparable(record(results[spec])) == _comparable(
            {**rjson.to_dict(alone[spec], pems=False), "spec": spec}
        ), spec
    for n in bad:
        assert [p.code.value for p in alone[f"{n}:{port}"].errors] == ["hostname-mismatch"]


def _comparable(record: dict[str, object]) -> dict[str, object]:
    """A record without what differs from run to run (when, how long)."""
    return {k: v for k, v in record.items() if k not in ("at", "seconds")}


def test_a_prepared_store_gives_the_reports_of_the_store_itself(lab: Lab, tmp_path: Path) -> None:
    """What Ray's driver ships to its workers (a PreparedStore, pickled): their reports
    must be those of the user's truststore itself — its path, type and keytool in every
    fix command, its warnings — not those of a copy; and no password travels."""
    import pickle

    from sslpoke import analysis
    from sslpoke.pki.policy import get_profile
    from sslpoke.scan.output import record
    from sslpoke.truststore_choice import StoreRequest

    store = write_p12([lab.root], tmp_path / "trust.p12", password=b"Not-The-Default-9")
    request = StoreRequest(path=str(store), password="Not-The-Default-9")
    shipped = pickle.dumps(analysis.prepare_store(request, get_profile("java")))
    assert b"Not-The-Default-9" not in shipped
    with fleet(lab) as ports:
        specs = [f"localhost:{p}" for p in ports.values()]
        here = {r.spec: r for r in LocalBackend(request).run(specs)}
        there = {r.spec: r for r in LocalBackend(prepared=pickle.loads(shipped)).run(specs)}
    assert sorted(here) == sorted(there) == sorted(specs)
    for spec in specs:
        assert _comparable(record(there[spec])) == _comparable(record(here[spec])), spec
    failing = [r for r in there.values() if not r.ok and r.report and r.report.problems]
    fixes = " ".join(p.fix + " ".join(p.commands) for r in failing for p in r.report.problems)  # type: ignore[union-attr]
    assert str(store) in fixes  # the fix commands name the user's own store


def test_the_default_truststore_asks_for_other_javas_once(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default truststore (the java on PATH), a failing endpoint's report warns
    when other Javas here use other stores. Asking walks /proc and every Java installed:
    once per scan, not once per failing endpoint (which held such a scan to ~30/s)."""
    import shutil

    from sslpoke import analysis

    if shutil.which("java") is None:
        pytest.skip("no java on PATH: the default truststore is a Java's")
    calls: list[int] = []
    real = analysis._several_javas

    def counted(chosen: object) -> object:
        calls.append(1)
        return real(chosen)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "_several_javas", counted)
    with serving(lab.scenarios()["self-signed"]()) as server:
        backend = LocalBackend(None, concurrency=8, per_host=4)
        assert backend.chosen.from_java_defaults
        results = list(backend.run([f"localhost:{server.port}"] * 30))
    assert len(results) == 30 and not any(r.ok for r in results)
    assert len(calls) == 1
    warnings = {
        tuple(p for p in r.report.problems if p.code.value == "several-javas")
        for r in results
        if r.report
    }
    assert len(warnings) == 1  # every endpoint says the same


def test_target_sources(tmp_path: Path) -> None:
    assert list(from_lines(["a.example", "b.example:8443  # ldap", "# c", "ldaps://d.example"])) == [
        "a.example", "b.example:8443", "ldaps://d.example",
    ]  # fmt: skip
    nmap = "Host: 10.0.0.5 ()\tPorts: 443/open/tcp//https///, 25/open/tcp//smtp///, 22/filtered/tcp//ssh///"
    assert list(from_lines([nmap])) == ["10.0.0.5:443", "10.0.0.5:25"]
    assert urls_in('see <a href="https://x.example/a">x</a> and ldaps://dc1.corp:636.') == [
        "https://x.example/a", "ldaps://dc1.corp:636",
    ]  # fmt: skip
    (tmp_path / "dbconfig.xml").write_text(
        "<jira-database-config><jdbc-datasource><url>jdbc:postgresql://db.corp:5433/jira</url>"
        "</jdbc-datasource></jira-database-config>"
    )
    assert from_app_dir(tmp_path) == ["postgres://db.corp:5433"]


def test_worker_processes_give_the_same_verdicts(lab: Lab, tmp_path: Path) -> None:
    """Two loops (this process's and a worker process's, targets dealt out by host)
    and one loop alone: the same verdict and codes per endpoint; every endpoint of a
    host goes to one loop."""
    from sslpoke.scan.output import record
    from sslpoke.scan.procs import Dealer, ProcessBackend

    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        specs = [f"{host}:{p}" for p in ports.values() for host in ("localhost", "127.0.0.1")]
        specs = specs * 4 + ["bad host"]
        local = {r.spec: r for r in LocalBackend(str(root)).run(specs)}
        spread = list(ProcessBackend(str(root), workers=2).run(specs))
    assert len(spread) == len(specs)
    # one shard on this process's loop (its lines made by the writer, here), the other
    # in a worker process, which makes each JSON line: json.dumps of the record
    made = [r for r in spread if r.line is not None]
    assert 0 < len(made) < len(spread)
    for r in made:
        assert r.line == json.dumps(record(r._replace(line=None)), default=str, ensure_ascii=False)
    for r in spread:
        mine, theirs = r.report, local[r.spec].report
        if r.error is not None:
            assert local[r.spec].error == r.error
            continue
        assert mine is not None and theirs is not None
        assert mine.ok == theirs.ok, r.spec
        assert [p.code for p in mine.problems] == [p.code for p in theirs.problems], r.spec
    deal = Dealer(2)
    assert {deal(f"localhost:{p}") for p in ports.values()} == {deal("LOCALHOST:1")}
    assert deal("https://localhost/") == deal("localhost") != deal("127.0.0.1")
    # hosts placed where the fewest endpoints went: a dozen hosts are not left to a hash
    deal = Dealer(2)
    for n in range(1, 13):
        for port in range(1, 11):
            deal(f"10.0.0.{n}:{port}")
    assert deal.load == [60, 60]
    deal = Dealer(2)
    deal.HOSTS = 1  # past what it remembers, a host still always goes to the same worker
    assert len({deal(f"x.example:{p}") for p in range(1, 21)}) == 1
    assert len({deal(f"y.example:{p}") for p in range(1, 21)}) == 1
    assert len({deal(f"z{n}.example") for n in range(40)}) == 2 and len(deal.hosts) == 1


def test_worker_processes_stop_when_the_caller_does(tmp_path: Path) -> None:
    """A caller that stops reading (an interrupt, an error in its writer) leaves no
    worker process and no scan thread behind, however long the endpoints in flight
    would take (silent servers, a 60 s timeout): what is in flight is dropped."""
    import threading
    import time

    from sslpoke.lab.pki import issue
    from sslpoke.scan.procs import ProcessBackend
    from tests.rawservers import raw_server, silent

    root = tmp_path / "root.pem"
    root.write_bytes(issue("R", ca=True).pem)
    with raw_server(silent) as port, raw_server(silent, host="127.0.0.2") as port2:
        specs = ["bad host", *([f"127.0.0.1:{port}", f"127.0.0.2:{port2}"] * 10)]
        backend = ProcessBackend(str(root), workers=2, timeout=60)
        results = backend.run(specs)
        assert next(results).spec == "bad host"  # at once: the others hang
        started = time.monotonic()
        results.close()  # type: ignore[attr-defined]
        closed = time.monotonic() - started
    assert closed < 30, f"closing took {closed:.1f} s: the in-flight endpoints were awaited"
    for thread in threading.enumerate():
        if thread.name.startswith("sslpoke-scan"):
            thread.join(10)
            assert not thread.is_alive(), f"{thread.name} still runs"
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_the_command_exits_cleanly_after_worker_processes(tmp_path: Path) -> None:
    """The console script skips the interpreter's teardown (a probe's start-up), but
    not once multiprocessing is loaded: its exit handler releases the semaphores of
    what it made. Skipped, the resource tracker printed "leaked semaphore objects"
    after one scan in ten or so; here a queue left alive makes it certain."""
    script = (
        "import multiprocessing, sys\n"
        "from sslpoke.cli import run\n"
        "box = multiprocessing.get_context('spawn').Queue()\n"
        "box.put('x')\n"
        "sys.argv = ['sslpoke', 'scan', sys.argv[1]]\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "missing.txt")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "missing.txt" in done.stderr and "leaked" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_worker_options_are_checked(tmp_path: Path) -> None:
    from sslpoke.errors import StoreError
    from sslpoke.scan.procs import ProcessBackend

    targets = tmp_path / "t.txt"
    targets.write_text("localhost:1\n")
    done = subprocess.run(
        [sys.executable, "-m", "sslpoke", "scan", str(targets), "--workers", "0", "-q"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "--workers: give a whole number from 1 to 64" in done.stderr
    try:
        ProcessBackend(str(tmp_path / "missing.pem"), workers=2)
    except StoreError as exc:
        assert "missing.pem" in str(exc)
    else:
        raise AssertionError("a missing truststore must fail before any worker starts")


def test_json_summary_and_progress_words(lab: Lab, tmp_path: Path) -> None:
    from sslpoke.scan.engine import ScanResult
    from sslpoke.scan.output import Summary

    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        targets = tmp_path / "t.txt"
        targets.write_text("\n".join(f"localhost:{p}" for p in ports.values()) + "\n")
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(targets), "--truststore", str(root), "--json"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        clash = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(targets), "--json", "--jsonl", "-"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    data = json.loads(done.stdout)
    assert data["kind"] == "scan" and data["exit_code"] == done.returncode == 1
    # "unknown-root" is unknown to its scenario's own store; the lab root trusts it here
    assert data["total"] == 6 and data["trusted"] == 2, json.dumps(data)
    assert data["by_code"] == {
        "expired": 1, "hostname-mismatch": 1, "incomplete-chain": 1, "self-signed": 1
    }  # fmt: skip
    assert clash.returncode == 2 and "both write to stdout" in clash.stderr
    summary = Summary()
    assert summary.progress_text() == "0 failing"
    for code in ("expired", "expired", "unknown-ca", "self-signed", "hostname-mismatch"):
        summary.by_code[code] += 1
        summary.total += 1
    assert summary.progress_text() == "5 failing: 2 expired, 1 unknown-ca, 1 self-signed, …"
    assert ScanResult("x", None, "bad", 0.0).ok is False


def test_outputs_from_an_earlier_scan(lab: Lab, tmp_path: Path) -> None:
    """--from-jsonl: the HTML, CSV and summary of a scan, rebuilt from its JSON lines
    without connecting again (after a Ray run, say), equal to the scan's own."""
    root = write_pem([lab.root], tmp_path / "root.pem")
    with fleet(lab) as ports:
        targets = tmp_path / "t.txt"
        # targets a spreadsheet would run as formulas (from nmap's output, a config file)
        formulas = ['=HYPERLINK("http://127.0.0.1/x","y")', "+1+1", "-2+3", "@SUM(1)"]
        targets.write_text(
            "\n".join(f"localhost:{p}" for p in ports.values())
            + "\nbad host\n"
            + "".join(f"{f}\n" for f in formulas)
        )
        scan = subprocess.run(
            [sys.executable, "-m", "sslpoke", "scan", str(targets), "--truststore", str(root),
             "--jsonl", str(tmp_path / "a.jsonl"), "--csv", str(tmp_path / "a.csv"), "--json"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    with (tmp_path / "a.jsonl").open("a") as fh:
        fh.write('{"spec": "cut sh')  # an interrupted last line is skipped
    again = subprocess.run(
        [sys.executable, "-m", "sslpoke", "scan", "--from-jsonl", str(tmp_path / "a.jsonl"),
         "--csv", str(tmp_path / "b.csv"), "--html", str(tmp_path / "b.html"), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == scan.returncode == 1, again.stderr
    first, second = json.loads(scan.stdout), json.loads(again.stdout)
    assert {k: v for k, v in first.items()} == {k: v for k, v in second.items()}
    rows = lambda p: sorted((tmp_path / p).read_text().splitlines()[1:])  # noqa: E731
    assert [r.rsplit(",", 1)[0] for r in rows("a.csv")] == [
        r.rsplit(",", 1)[0] for r in rows("b.csv")
    ]
    for name in ("a.csv", "b.csv"):  # as text, never as formulas, in both
        with (tmp_path / name).open(newline="") as fh:
            specs = [r[0] for r in csv.reader(fh)][1:]
        assert sorted(s for s in specs if s.startswith("'")) == sorted(f"'{f}" for f in formulas)
        assert not any(s.startswith(csvcell.FORMULA_STARTS) for s in specs), specs
    page = (tmp_path / "b.html").read_text()
    assert all(f"localhost:{p}" in page for p in ports.values())
    wrong = subprocess.run(
        [sys.executable, "-m", "sslpoke", "scan", str(targets), "--from-jsonl", str(tmp_path / "a.jsonl")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert wrong.returncode == 2 and "takes no FILE" in wrong.stderr


def test_the_per_host_cap_and_the_concurrency_hold(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine never has more than --per-host connections to one host, nor more than
    --concurrency in all, whatever the targets' order (a stand-in capture counts them)."""
    import asyncio

    from sslpoke.net import acapture
    from sslpoke.net.errors import NetError
    from sslpoke.problems import Code

    now: dict[str, int] = {}
    most: dict[str, int] = {}
    total = [0, 0]

    async def fake(target: object, **_: object) -> object:
        host = target.host  # type: ignore[attr-defined]
        now[host] = now.get(host, 0) + 1
        total[0] += 1
        most[host] = max(most.get(host, 0), now[host])
        total[1] = max(total[1], total[0])
        for _ in range(5):  # let every other task run meanwhile
            await asyncio.sleep(0)
        now[host] -= 1
        total[0] -= 1
        raise NetError(Code.CONNECTION_REFUSED, "stand-in")

    monkeypatch.setattr(acapture, "capture_async", fake)
    root = write_pem([lab.root], tmp_path / "root.pem")
    specs = [f"{h}.example:{p}" for p in range(1, 11) for h in ("a", "b", "c")] * 2
    results = list(LocalBackend(str(root), concurrency=7, per_host=2).run(specs))
    assert len(results) == 60
    assert most == {"a.example": 2, "b.example": 2, "c.example": 2}, most
    assert total[1] == 6  # three hosts x 2: below the concurrency of 7
    total[1] = 0
    results = list(LocalBackend(str(root), concurrency=3, per_host=5).run(specs))
    assert len(results) == 60 and total[1] == 3


def test_a_bug_on_one_endpoint_loses_neither_it_nor_the_scan(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception for one endpoint is that endpoint's record (internal-error,
    exit code 70 in its line), and the other endpoints are scanned as usual."""
    from sslpoke.net import acapture
    from sslpoke.scan.output import Summary, csv_row, record

    real = acapture.capture_async

    async def flaky(target: object, **kw: object) -> object:
        if target.port == 1:  # type: ignore[attr-defined]
            raise RuntimeError("boom")
        return await real(target, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(acapture, "capture_async", flaky)
    root = write_pem([lab.root], tmp_path / "root.pem")
    scenario = lab.scenarios()["trusted"]()
    with serving(scenario) as server:
        results = {
            r.spec: r
            for r in LocalBackend(str(root)).run([f"localhost:{server.port}", "localhost:1"])
        }
    assert results[f"localhost:{server.port}"].ok
    broken = results["localhost:1"]
    assert broken.report is None and broken.error and "RuntimeError: boom" in broken.error
    line = record(broken)
    assert line["error"]["code"] == "internal-error" and line["exit_code"] == 70
    assert csv_row(broken)[2:4] == ["70", "internal-error"]
    summary = Summary()
    summary.add(broken)
    assert dict(summary.by_code) == {"internal-error": 1}


def test_a_slow_pipe_does_not_stall_the_handshakes_in_flight(lab: Lab, tmp_path: Path) -> None:
    # `nmap ... | sslpoke scan -`: the next target may come seconds later. The first
    # endpoint's result must come while the input waits (read on the loop, it did not,
    # and the handshake in flight then timed out).
    import threading

    root = write_pem([lab.root], tmp_path / "root.pem")
    first_seen = threading.Event()
    waited_out: list[bool] = []
    with serving(lab.scenarios()["trusted"]()) as server:
        spec = f"localhost:{server.port}"

        def slow_pipe() -> Iterator[str]:
            yield spec
            waited_out.append(not first_seen.wait(timeout=20))  # the next line, much later
            yield spec

        results = []
        for result in LocalBackend(str(root), timeout=5).run(slow_pipe()):
            results.append(result)
            first_seen.set()
    assert waited_out == [False]  # the first result came while the input was waiting
    assert [r.ok for r in results] == [True, True], [
        r.report and r.report.problems for r in results
    ]


def test_workers_by_default_only_as_many_as_the_hosts_fill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From 500 targets on, a scan starts one worker per core — but targets are dealt out
    by host, so one host's many ports would leave every worker but one idle: then the
    scan runs on one loop. Ports nobody listens on (refused at once)."""
    from sslpoke.cli import main
    from sslpoke.scan import procs

    started: list[int] = []

    class Spy(procs.ProcessBackend):
        def __init__(self, *args: object, workers: int, **engine: object) -> None:
            started.append(workers)
            super().__init__(*args, workers=workers, **engine)  # type: ignore[arg-type]

    monkeypatch.setattr(procs, "ProcessBackend", Spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    one_host = tmp_path / "one.txt"
    one_host.write_text("".join(f"127.0.0.1:{p}\n" for p in range(1, 601)))
    assert main(["scan", str(one_host), "--system", "-q", "--timeout", "2"]) == 1
    assert started == []
    hosts = [f"127.0.0.{n}" for n in range(1, 11)]
    many = tmp_path / "many.txt"
    many.write_text("".join(f"{hosts[p % 10]}:{p}\n" for p in range(1, 601)))
    assert main(["scan", str(many), "--system", "-q", "--timeout", "2"]) == 1
    assert started == [2]
    assert procs.useful_workers(["a.example", "A.EXAMPLE:8443", "https://a.example/"], 8) == 1
    assert procs.useful_workers([], 4) == 1


def test_the_collector_is_settled_while_the_scan_runs_and_restored_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's scan freezes what is loaded and collects young objects less often
    while it runs (scan.engine.settled_gc), and leaves the process's collector as it
    found it (``sslpoke.cli.main`` may run in a caller's process: here, pytest's)."""
    import gc

    from sslpoke.cli import main
    from sslpoke.scan import engine

    seen: list[tuple[tuple[int, int, int], int]] = []
    run = LocalBackend.run

    def spy(self: LocalBackend, specs: object) -> object:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return run(self, specs)  # type: ignore[arg-type]

    monkeypatch.setattr(LocalBackend, "run", spy)
    before = gc.get_threshold(), gc.get_freeze_count()
    with socket.socket() as bound:  # a port bound, not listening: refused at once
        bound.bind(("127.0.0.1", 0))
        targets = tmp_path / "t.txt"
        targets.write_text(f"127.0.0.1:{bound.getsockname()[1]}\n")
        assert main(["scan", str(targets), "--system", "-q", "--workers", "1"]) == 1
    ((threshold, frozen),) = seen
    assert threshold[0] == max(before[0][0], engine.GC_YOUNG) and frozen > 1000
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
