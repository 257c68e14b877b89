"""``python -m sslpoke``."""

from sslpoke.cli import run

run()
