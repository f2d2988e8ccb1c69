"""Generated documentation stays true: the CLI reference is every command's --help as it prints today."""

from cogapp import Cog

from app.config import REPO_DIR


def test_cli_reference_matches_the_help_of_every_command():
    """`make docs` regenerates docs/cli.md after a change to a command or an option."""
    assert Cog().main(["cog", "--check", str(REPO_DIR / "docs" / "cli.md")]) == 0
