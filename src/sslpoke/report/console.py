"""Writing styled lines: through rich on a colour terminal, as plain text otherwise.

rich is imported only when colour will actually be shown, so a piped or
scripted run does not pay for it.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from sslpoke.report.text import Line, plain

STYLES = {
    "ok": "bold green",
    "error": "bold red",
    "warn": "yellow",
    "dim": "dim",
    "bold": "bold",
    "cmd": "cyan",
}


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write(lines: list[Line], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    if not use_colour(out):
        out.write(plain(lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=True)
    for line in lines:
        console.print(Text.assemble(*((text, STYLES.get(style or "", "")) for text, style in line)))
