"""Command-line polish (issue 13, point 5): a subcommand's mistake shows that subcommand's usage."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize("args, usage", [
    (["ask", "--foo", "x"], "usage: mlbot ask "),
    (["ask", "x", "--foo"], "usage: mlbot ask "),
    (["test", "--bar", "t.chat.yaml"], "usage: mlbot test "),
    (["validate", "extra"], "usage: mlbot validate "),
    (["--foo", "ask", "x"], "usage: mlbot [-h]"),  # before the subcommand: mlbot's own
])
def test_an_unknown_option_shows_the_usage_of_its_command(
        args: list[str], usage: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert "error: unrecognized arguments:" in err
