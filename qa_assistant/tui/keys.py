"""Every key of the chat in one table: the bindings, the command palette and the help screen use it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Key:
    keys: str
    """Textual key names, comma separated (as in ``Binding``)."""
    label: str
    """How the help screen writes the key."""
    description: str
    action: str = ""
    """App action bound to it; empty when a widget handles the key itself."""
    short: str = ""
    """Footer label (shown in the footer when set)."""
    command: str = ""
    """Name in the command palette (actions only)."""
    where: str = "anywhere"


APP_KEYS = (
    Key("f1,question_mark", "F1 / ?", "Show this help", "help", "Help", "Help: list every key"),
    Key("ctrl+r", "Ctrl+R", "Update the index from the articles folder (builds it when missing)",
        "update_index", "Update index", "Index: update from the articles folder"),
    Key("ctrl+o", "Ctrl+O", "Open a past conversation of this index", "open_conversations", "Conversations",
        "Conversation: open a past one"),
    Key("ctrl+n", "Ctrl+N", "Start a new conversation", "new_conversation", "New", "Conversation: start a new one"),
    Key("ctrl+s", "Ctrl+S", "Export the selected answer to Markdown (a file and the clipboard)", "export_answer",
        "Export", "Answer: export to Markdown"),
    Key("ctrl+up", "Ctrl+↑", "Select the previous answer (its sources show on the right)", "select_answer(-1)",
        command="Answer: select the previous one"),
    Key("ctrl+down", "Ctrl+↓", "Select the next answer", "select_answer(1)", command="Answer: select the next one"),
    Key("escape", "Escape", "Stop the answer being generated; the question goes back into the input", "stop",
        "Stop", "Answer: stop generating", where="chat"),
    Key("ctrl+p", "Ctrl+P", "Command palette: every action by name"),
    Key("ctrl+q", "Ctrl+Q", "Quit"),
)

WIDGET_KEYS = (
    Key("enter", "Enter", "Ask the question typed", where="question input"),
    Key("up,down", "↑ / ↓", "Earlier / later questions (input history)", where="question input"),
    Key("tab,shift+tab", "Tab / Shift+Tab", "Move between the input, the transcript and the sources"),
    Key("enter", "Enter / click", "Open the article at the cited sentence, highlighted", where="sources panel"),
    Key("click", "Click [n]", "Open the article at citation n", where="answer"),
    Key("click", "Click an answer", "Show its sources", where="transcript"),
    Key("escape", "Escape / q", "Back to the chat", where="article, help, list"),
    Key("enter", "Enter", "Open the highlighted conversation", where="conversation list"),
)


def app_bindings() -> list[BindingType]:
    """The app's bindings; the footer shows those with a short label."""
    return [Binding(k.keys, k.action, k.short or k.description, show=bool(k.short),
                    key_display=k.label.split(" / ")[0])
            for k in APP_KEYS if k.action]


def palette_commands() -> list[tuple[str, str, str]]:
    """``(name, help, action)`` for the command palette."""
    return [(k.command, f"{k.description} ({k.label})", k.action) for k in APP_KEYS if k.action and k.command]
