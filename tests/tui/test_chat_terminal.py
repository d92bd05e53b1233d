"""The real ``qa-assistant chat`` command in a real terminal (tmux): type a question, read the answer."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa_assistant

pytestmark = pytest.mark.slow

TMUX = shutil.which("tmux")


class Terminal:
    """One tmux session on a private server socket."""

    def __init__(self, name: str) -> None:
        assert TMUX is not None
        self.base = [TMUX, "-L", name]
        self.name = name

    def tmux(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def start(self, command: str, width: int = 120, height: int = 40) -> None:
        subprocess.run([*self.base, "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                        command], check=True, timeout=10)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def key(self, key: str) -> None:
        self.tmux("send-keys", "-t", self.name, key)

    def alive(self) -> bool:
        return subprocess.run([*self.base, "has-session", "-t", self.name], capture_output=True).returncode == 0

    def wait(self, condition: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen}")
            time.sleep(0.2)

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install -y tmux)")
def test_chat_command_answers_with_a_citation_in_a_real_terminal(tui_settings: Any, tmp_path: Path) -> None:
    qa = Path(sys.executable).with_name("qa-assistant")
    program = [str(qa)] if qa.exists() else [sys.executable, "-c", "from qa_assistant.cli import main; main()"]
    code = Path(qa_assistant.__file__).resolve().parent.parent  # the tested code, not another installed copy
    command = shlex.join([
        "env", "-u", "COLUMNS", "-u", "LINES", "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", f"QA_ASSISTANT_HOME={tmp_path}",
        f"PYTHONPATH={code}",
        *program, "chat", "--index", str(tui_settings.index_dir), "--articles", str(tui_settings.articles_dir),
        "--extractive", "--no-watch",
    ])
    terminal = Terminal(f"qa-chat-test-{os.getpid()}")
    terminal.start(command)
    try:
        terminal.wait(lambda s: "Ask a question" in s, 20, "the first frame")
        terminal.wait(lambda s: "extractive" in s and "articles ·" in s, 90, "the engine to load")
        terminal.type("How much will the harbour bridge cost?")
        terminal.key("Enter")
        screen = terminal.wait(lambda s: "42 million dollars" in s and "supported" in s, 60, "the answer")
        answer_line = next(line for line in screen.splitlines() if "42 million dollars" in line)
        assert "How much will the harbour bridge cost?" in screen
        marker = re.search(r"\[(\d+)\]", screen[screen.index(answer_line):])
        assert marker is not None, screen
        # the sources panel names the cited article's title next to the marker's number
        assert re.search(rf"\[{marker.group(1)}\] Port Elwood approves harbour bridge", screen), screen
        terminal.key("C-q")
        deadline = time.monotonic() + 30
        while terminal.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not terminal.alive(), "the chat did not quit on Ctrl+Q"
    finally:
        terminal.kill()
