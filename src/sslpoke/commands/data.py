"""``sslpoke data show|update``: the root-program data sslpoke compares with."""

from __future__ import annotations

from sslpoke.commands.store import add_data_options as add_options
from sslpoke.commands.store import run_data as run

__all__ = ["add_options", "run"]
