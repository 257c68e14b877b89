"""Many writers at once, a writer held up, and symlinks planted where backups go.

Before the store lock, two `sslpoke trust` started together both said "Imported."
and only one certificate landed (20 of 20 rounds). Here 8 writers run together
for 25 rounds on a JKS and a PKCS#12 store: every import must land, and keytool
must read the store after every round.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sslpoke.errors import WriteError
from sslpoke.lab.pki import issue
from sslpoke.lab.scenarios import Lab
from sslpoke.stores.safe_write import backup_name, lock_path, store_lock
from tests.conftest import keytool_import

pytestmark = pytest.mark.jvm
WRITERS, ROUNDS = 8, 25


def _keytool_aliases(keytool: str, store: Path) -> set[str]:
    done = subprocess.run(
        [keytool, "-list", "-keystore", str(store), "-storepass", "changeit"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {line.split(",")[0].strip() for line in done.stdout.splitlines() if "Entry," in line}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("storetype", ["jks", "pkcs12"])
def test_concurrent_writers_lose_nothing(
    keytool: str, lab: Lab, tmp_path: Path, storetype: str
) -> None:
    store = tmp_path / f"s.{storetype}"
    seed = tmp_path / "seed.pem"
    seed.write_bytes(lab.other_root.pem)
    keytool_import(keytool, store, seed, "seed", storetype)
    cas = []
    for n in range(WRITERS * ROUNDS):
        pem = tmp_path / f"ca{n}.pem"
        pem.write_bytes(issue(f"Concurrent CA {n}", ca=True).pem)
        cas.append(pem)
    env = {**os.environ, "NO_COLOR": "1"}
    for r in range(ROUNDS):
        batch = cas[r * WRITERS : (r + 1) * WRITERS]
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sslpoke",
                    "trust",
                    "--cert",
                    str(pem),
                    "--alias",
                    pem.stem,
                    "--truststore",
                    str(store),
                    "--yes",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            for pem in batch
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
        aliases = _keytool_aliases(keytool, store)
        expected = {"seed"} | {p.stem for p in cas[: (r + 1) * WRITERS]}
        assert expected <= aliases, f"round {r}: lost {sorted(expected - aliases)}"
    assert not list(tmp_path.glob(f".s.{storetype}.sslpoke-*[!k]")), "temporary files left"


def test_a_held_lock_is_a_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "s.jks"
    store.write_bytes(b"x")
    with store_lock(store), pytest.raises(WriteError) as held, store_lock(store, wait=0.2):
        pass
    assert "another sslpoke is writing" in str(held.value)
    assert str(lock_path(store)) in str(held.value)


def test_planted_backup_symlinks_are_not_followed(keytool: str, lab: Lab, tmp_path: Path) -> None:
    """A symlink at the next seconds' backup names must not make trust write through it."""
    store = tmp_path / "s.jks"
    seed = tmp_path / "seed.pem"
    seed.write_bytes(lab.other_root.pem)
    keytool_import(keytool, store, seed, "seed", "jks")
    victim = tmp_path / "victim"
    now = datetime.now(UTC)
    for second in range(0, 30):
        for n in range(1, 4):
            backup_name(store, now + timedelta(seconds=second), n).symlink_to(victim)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(lab.root.pem)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sslpoke",
            "trust",
            "--cert",
            str(ca),
            "--truststore",
            str(store),
            "--yes",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not victim.exists(), "the store's bytes were written through a planted symlink"
    real_backups = [p for p in tmp_path.glob("s.jks.sslpoke-backup-*") if not p.is_symlink()]
    assert len(real_backups) == 1


KILLS = 30


@pytest.mark.timeout(600)
def test_killed_writers_never_corrupt_and_leave_nothing_behind(
    keytool: str, lab: Lab, tmp_path: Path
) -> None:
    """trust killed at random moments (SIGTERM, then SIGKILL, alternately): the store always
    loads with every earlier entry; a SIGTERM unwinds; whatever a SIGKILL leaves is removed by
    the next writer."""
    import random
    import signal
    import time

    from sslpoke.stores import load_truststore

    store = tmp_path / "s.jks"
    seed = tmp_path / "seed.pem"
    seed.write_bytes(lab.other_root.pem)
    keytool_import(keytool, store, seed, "seed", "jks")
    rng = random.Random(20261201)
    env = {**os.environ, "NO_COLOR": "1"}
    for n in range(KILLS):
        pem = tmp_path / f"k{n}.pem"
        pem.write_bytes(issue(f"Killed CA {n}", ca=True).pem)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sslpoke",
                "trust",
                "--cert",
                str(pem),
                "--alias",
                pem.stem,
                "--truststore",
                str(store),
                "--yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.05, 0.6))  # fault injection: the kill lands anywhere in the run
        proc.send_signal(signal.SIGTERM if n % 2 == 0 else signal.SIGKILL)
        proc.wait(timeout=60)
        aliases = {e.alias for e in load_truststore(store, password="changeit").entries}
        assert "seed" in aliases, f"kill {n}: the store lost an entry"
    final = tmp_path / "final.pem"
    final.write_bytes(lab.root.pem)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sslpoke",
            "trust",
            "--cert",
            str(final),
            "--truststore",
            str(store),
            "--yes",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    leftovers = [p for p in tmp_path.glob(".s.jks.sslpoke-*") if not p.name.endswith("-lock")]
    assert leftovers == [], leftovers
    backups = list(tmp_path.glob("s.jks.sslpoke-backup-*"))
    assert all(load_truststore(b, password="changeit").entries for b in backups)
