"""CSV cells that a spreadsheet opens as text, never as a formula.

A scan's and an audit's CSV hold text that sslpoke does not choose: the targets
as listed (a file, nmap's output, an application's configuration) and what a
server sends (certificate names, in the messages). Excel, LibreOffice Calc and
Google Sheets take a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return before one) for a formula, and a formula can fetch a URL or,
on older set-ups, start a program ("CSV injection", OWASP). Such a cell is written
with a ``'`` before it, which the spreadsheet shows as the text and a program
reading the CSV sees as one more character. No cell sslpoke writes itself starts
with one of these, except a lone ``-`` (an audit's "no grade", testssl.sh's
convention), which is no formula and stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """``value``, made safe to open in a spreadsheet (see the module's text)."""
    return "'" + value if len(value) > 1 and value.startswith(FORMULA_STARTS) else value


def row(values: Iterable[str]) -> list[str]:
    """:func:`cell` of each value."""
    return [cell(v) for v in values]
