"""The ``qa-assistant`` command.  Commands are thin: parse flags, call the engine, print."""

from __future__ import annotations

import importlib

import click

from .. import __version__

# Each module defines one command (or group) named in the tuple; importing stays
# cheap because heavy libraries are imported inside the command functions.
_COMMANDS = (
    ("index_cmds", "index"),
    ("index_cmds", "watch"),
    ("ask_cmds", "ask"),
    ("eval_cmd", "eval_command"),
    ("check_cmd", "check"),
    ("chat_cmd", "chat"),
)


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="qa-assistant")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Ask questions about a folder of news articles; answers cite the exact source sentences.

    With no command, opens the chat (same as ``qa-assistant chat``).
    """
    if ctx.invoked_subcommand is None:
        chat = main.get_command(ctx, "chat")
        if chat is None:
            raise click.UsageError("the chat is not available in this build")
        ctx.invoke(chat)


def _register() -> None:
    for module_name, attr in _COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":
                continue  # command not built yet
            raise
        main.add_command(getattr(module, attr))


_register()
