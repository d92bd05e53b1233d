"""The ``qa-assistant`` command.  Commands are thin: parse flags, call the engine, print.

Importing stays cheap: the command modules import only click, and the engine, the
models and the settings library load inside the command functions.
"""

from __future__ import annotations

import click

from .. import __version__
from .ask_cmds import ask
from .chat_cmd import chat
from .check_cmd import check
from .eval_cmd import eval_command
from .index_cmds import index, watch


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="qa-assistant")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Ask questions about a folder of news articles; answers cite the exact source sentences.

    With no command, opens the chat (same as ``qa-assistant chat``).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


main.add_command(index)
main.add_command(watch)
main.add_command(ask)
main.add_command(eval_command)
main.add_command(check)
main.add_command(chat)
