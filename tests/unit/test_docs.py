"""The README documents every problem code, exit code and option, as the code defines them."""

from __future__ import annotations

from pathlib import Path

from sslpoke.cli import build_parser
from sslpoke.diagnose.catalog import markdown_table
from sslpoke.errors import ExitCode
from sslpoke.problems import Code

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_code_table_is_current() -> None:
    assert markdown_table() in README, (
        "regenerate the README's code table from sslpoke.diagnose.catalog.markdown_table()"
    )
    for code in Code:
        assert f"`{code.value}`" in README


def test_exit_codes_documented() -> None:
    for code in ExitCode:
        assert f"| {int(code)} |" in README, code


def test_every_option_documented() -> None:
    parser = build_parser()
    for action in parser._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        for option in action._actions:
            for flag in option.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, flag
