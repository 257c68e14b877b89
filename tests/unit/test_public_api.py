"""The library's public names: each importable from a fresh interpreter by name alone
(``import sslpoke; sslpoke.X``), without an earlier import having loaded it."""

from __future__ import annotations

import subprocess
import sys

import sslpoke


def fresh(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter (nothing imported before it)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_every_public_name_resolves_in_a_fresh_interpreter() -> None:
    code = (
        "import sslpoke, sys\n"
        "for name in sslpoke.__all__:\n"
        "    getattr(sslpoke, name)\n"
        "assert callable(sslpoke.audit), 'sslpoke.audit(host, port) is the audit call'\n"
        "print('ok')\n"
    )
    done = fresh(code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_importing_sslpoke_stays_light() -> None:
    """The probe's start-up: naming the package loads neither the audit nor cryptography."""
    code = (
        "import sys, sslpoke\n"
        "heavy = [m for m in ('sslpoke.audit', 'cryptography', 'OpenSSL', 'jinja2') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = fresh(code)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def test_the_probe_does_not_load_the_scan_machinery() -> None:
    """The one-probe start-up stays lean: a whole probe (here to a port nobody listens
    on, through capture, diagnosis and report) loads neither asyncio nor the scan's
    TLS 1.3 capture by hand, which imports cryptography's primitives at once."""
    code = (
        "import socket, sys\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "from sslpoke.cli import main\n"
        "rc = main([f'127.0.0.1:{port}', '--system', '--timeout', '2', '--json'])\n"
        "heavy = [m for m in ('asyncio', 'sslpoke.net.tls13', 'sslpoke.scan.engine') "
        "if m in sys.modules]\n"
        "print(rc, ','.join(heavy), file=sys.stderr)\n"
    )
    done = fresh(code)
    assert done.returncode == 0, done.stderr
    rc, _, heavy = done.stderr.strip().splitlines()[-1].partition(" ")
    assert rc != "0" and heavy == "", done.stderr


def test_unknown_names_are_attribute_errors() -> None:
    try:
        sslpoke.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
