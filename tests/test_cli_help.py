"""Every subcommand's help shows how it is typed."""

import argparse

import pytest

from grader.cli import parser

SUBCOMMANDS = [a for a in parser()._subparsers._group_actions if isinstance(a, argparse._SubParsersAction)][0].choices


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_has_examples(name):
    text = SUBCOMMANDS[name].format_help()
    assert "examples:" in text and f"python -m grader {name}" in text.replace("--course /tmp/course ", "")
