"""Files named on the command line (``explain`` logs, ``scan`` targets and outputs):
pipes read like files, every failure one line with exit code 2, reading bounded."""

from __future__ import annotations

import io
import json
import os
import pwd
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from sslpoke.errors import InputError
from sslpoke.userfiles import check_readable, lines
from tests.conftest import as_nobody
from tests.integration.test_cli import assert_one_line_error, sslpoke

PKIX = (
    "2026-11-30 10:00:00,000 ERROR [http-nio-8080-exec-1] Unable to connect to the server at "
    "https://ldap.example.test:636\njavax.net.ssl.SSLHandshakeException: PKIX path building "
    "failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
    "certification path to requested target\n"
)


def _through_a_pipe(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """sslpoke with ``/dev/fd/N`` (a pipe fed ``text``) where ``{pipe}`` is: what
    ``<(zcat catalina.out.1.gz)`` gives a command."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "w") as fh:
            fh.write(text)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        return subprocess.run(
            [sys.executable, "-m", "sslpoke", *(a.replace("{pipe}", f"/dev/fd/{read_end}") for a in args)],
            capture_output=True, text=True, timeout=120, pass_fds=(read_end,),
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
    finally:
        os.close(read_end)
        feeder.join(10)


def test_explain_reads_a_pipe() -> None:
    done = _through_a_pipe(PKIX * 3, "explain", "{pipe}", "--no-probe", "--json")
    assert done.returncode == 1, done.stderr
    groups = json.loads(done.stdout)["groups"]
    assert [(g["target"], g["cause"], g["count"]) for g in groups] == [
        ("https://ldap.example.test:636", "pkix", 3)
    ]


def test_scan_reads_targets_from_a_pipe() -> None:
    done = _through_a_pipe(
        "# nmap said\n127.0.0.1:1\n", "scan", "{pipe}", "--json", "-q", "--system"
    )
    data = json.loads(done.stdout)
    assert data["total"] == 1 and data["by_code"] == {"connection-refused": 1}, done.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["explain", "{dir}"], "a folder, not a log file"),
        (["explain", "{dir}/gone.log"], "no such log file"),
        (["scan", "{dir}", "-q"], "a folder, not a file of targets"),
        (["scan", "--hosts-from", "{dir}"], "a folder, not a file (--hosts-from)"),
        (["scan", "--from-jsonl", "{dir}/gone.jsonl"], "no such file of scan records"),
        (["scan", "{targets}", "--csv", "{dir}/no/such/folder.csv", "-q"], "--csv"),
        (["scan", "{targets}", "--html", "{dir}", "-q"], "--html"),
        (["scan", "{targets}", "--jsonl", "{dir}", "-q"], "--jsonl"),
        (["scan", "{targets}", "--resume", "{dir}", "-q"], "--resume"),
        # an output that is an input, or another output: the list read must not be emptied
        (
            ["scan", "{targets}", "--jsonl", "{targets}", "-q"],
            "--jsonl {targets} is also a file of targets",
        ),
        (
            ["scan", "{targets}", "--csv", "{dir}/o", "--html", "{dir}/o", "-q"],
            "--html {dir}/o is also --csv",
        ),
        (["scan", "--hosts-from", "{targets}", "--resume", "{targets}"], "is also --hosts-from"),
        (
            ["scan", "--from-jsonl", "{notes}", "--csv", "{notes}"],
            "--csv {notes} is also --from-jsonl",
        ),
        # --resume appends: a file a scan did not write is not written into
        (["scan", "{targets}", "--resume", "{notes}", "-q"], "not the JSON lines of a scan"),
    ],
)
def test_a_path_that_cannot_be_used_is_one_line(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("127.0.0.1:1\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("hosts to check on Monday\n127.0.0.1:1\n")

    def filled(text: str) -> str:
        for key, path in (("{dir}", tmp_path), ("{targets}", targets), ("{notes}", notes)):
            text = text.replace(key, str(path))
        return text

    assert_one_line_error(sslpoke(*(filled(a) for a in args)), 2, filled(needle))
    assert not (tmp_path / "no").exists() and not (tmp_path / "o").exists()
    assert targets.read_text() == "127.0.0.1:1\n"
    assert notes.read_text() == "hosts to check on Monday\n127.0.0.1:1\n"


def test_an_unreadable_log_names_its_owner(tmp_path: Path) -> None:
    """At 2 a.m. the log is the application user's: say whose, and how to read it."""
    log = tmp_path / "catalina.out"
    log.write_text(PKIX)
    log.chmod(0o040)  # not even its owner may read it
    owner = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() != 0:
        done = sslpoke("explain", str(log), "--no-probe")
        assert_one_line_error(done, 2, f"permission denied (owned by {owner}, mode 040)")
        assert f"run sslpoke as {owner}" in done.stderr
        return
    # root reads anything: ask as 'nobody' (uid and gid 65534), in a forked child
    folder = Path(tempfile.mkdtemp(prefix="sslpoke-locked-"))
    try:
        folder.chmod(0o755)  # nobody may enter the folder, not read the file
        locked = folder / "catalina.out"
        locked.write_text(PKIX)
        locked.chmod(0o600)

        def ask() -> str:
            try:
                check_readable(str(locked), "log file")
            except InputError as exc:
                return str(exc)
            return "readable"

        said = as_nobody(ask)
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    assert said == (
        f"{locked}: permission denied (owned by root, mode 600): run sslpoke as root (sudo)"
    )


class _Recorder(io.StringIO):
    """A text stream that remembers the longest piece it handed out."""

    longest = 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        piece = super().readline(size)
        self.longest = max(self.longest, len(piece))
        return piece


def test_lines_are_held_to_a_width_and_reading_to_a_limit() -> None:
    text = "a\n" + "x" * 100_000 + "\nb\n" + "y" * 50 + "\n"
    fh = _Recorder(text)
    got = list(lines(fh, width=1000, limit=10**9))
    assert got == ["a\n", "x" * 1000, "b\n", "y" * 50 + "\n"]
    assert fh.longest <= 1000  # the long line was never held whole
    endless = _Recorder("z" * 1_000_000)  # /dev/zero, a binary file: no newline at all
    assert list(lines(endless, width=100, limit=10_000)) == ["z" * 100]
    assert endless.tell() <= 10_000 + 100  # stopped at the limit, not at the end


def test_explain_reads_rotated_gzip_logs(tmp_path: Path) -> None:
    """catalina.out.1.gz as a file, through a pipe, on standard input; a .gz cut short
    (rotated while written) gives what it holds; a damaged one is one line."""
    import gzip

    packed = gzip.compress((PKIX * 2).encode())
    log = tmp_path / "catalina.out.1.gz"
    log.write_bytes(packed)

    def targets(done: subprocess.CompletedProcess[str]) -> list[tuple[str, int]]:
        assert done.returncode == 1, done.stderr
        return [(g["target"], g["count"]) for g in json.loads(done.stdout)["groups"]]

    want = [("https://ldap.example.test:636", 2)]
    assert targets(sslpoke("explain", str(log), "--no-probe", "--json")) == want
    piped = subprocess.run(
        [sys.executable, "-m", "sslpoke", "explain", "--no-probe", "--json"],
        input=packed, capture_output=True, timeout=60,
    )  # fmt: skip
    assert json.loads(piped.stdout)["groups"][0]["count"] == 2, piped.stderr
    many = gzip.compress((PKIX * 400).encode(), mtime=0)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(many[: len(many) // 2])
    found = json.loads(sslpoke("explain", str(cut), "--no-probe", "--json").stdout)["groups"]
    assert found and 0 < found[0]["count"] < 400
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    assert_one_line_error(sslpoke("explain", str(bad), "--no-probe"), 2, "bad.gz: cannot read it")


def test_scan_refuses_a_binary_file(tmp_path: Path) -> None:
    """A .gz or a program named by mistake must not send its fragments to DNS."""
    import gzip

    packed = tmp_path / "targets.txt.gz"
    packed.write_bytes(gzip.compress(b"a.example\n" * 100))
    packed.write_bytes(packed.read_bytes() + b"\x00")  # gzip's output need not hold a NUL
    done = sslpoke("scan", str(packed), "-q", "--system")
    assert_one_line_error(done, 2, "targets.txt.gz: binary data, not targets (a NUL byte")


def test_resume_and_jsonl_may_name_the_same_file(tmp_path: Path) -> None:
    targets = tmp_path / "t.txt"
    targets.write_text("127.0.0.1:1\n")
    out = tmp_path / "out.jsonl"
    done = sslpoke(
        "scan", str(targets), "--jsonl", str(out), "--resume", str(out), "-q", "--system"
    )
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["spec"] for line in out.read_text().splitlines()] == ["127.0.0.1:1"]
