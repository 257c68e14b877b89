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
    ],
)
def test_a_path_that_cannot_be_used_is_one_line(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("127.0.0.1:1\n")
    done = sslpoke(
        *(a.replace("{dir}", str(tmp_path)).replace("{targets}", str(targets)) for a in args)
    )
    assert_one_line_error(done, 2, needle)
    assert not (tmp_path / "no").exists()


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
