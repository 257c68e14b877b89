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


def test_unknown_names_are_attribute_errors() -> None:
    try:
        sslpoke.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
