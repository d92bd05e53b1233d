"""The command group and the one-line errors every command gives for missing paths and bad settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_assistant.cli import main


def test_every_command_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("ask", "chat", "check", "eval", "index", "watch"):
        assert f"\n  {name} " in result.output


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import sys, qa_assistant.cli; "
            "print(sorted(m for m in ('pydantic', 'textual', 'torch', 'faiss', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("args", [
    ["index", "status", "--index", "{tmp}/none"],
    ["index", "update", "--articles", "{tmp}/none", "--index", "{tmp}/index"],
    ["check", "{tmp}/none.json"],
    ["check", "{tmp}"],
])
def test_missing_paths_are_one_line_errors(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code in (1, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error:") and "Traceback" not in result.output
    assert str(tmp_path) in lines[-1]


@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_ask_reports_a_missing_or_damaged_index_before_loading_any_model(tmp_path: Path, damage: str) -> None:
    index = tmp_path / "index"
    if damage == "damaged":
        index.mkdir()
        (index / "CURRENT").write_text("garbage")
    result = CliRunner().invoke(main, ["ask", "Who won?", "--index", str(index), "--articles", str(tmp_path / "none")])
    assert result.exit_code == 1
    hint = "qa-assistant index update" if damage == "missing" else "qa-assistant index rebuild"
    assert result.output.strip().splitlines()[-1].startswith("Error:") and hint in result.output
    assert "Loading" not in result.output  # the models take seconds; the error comes first


def test_a_bad_settings_file_is_one_line_for_every_command(tmp_path: Path, isolated_home: Path) -> None:
    (isolated_home / "qa-assistant.toml").write_bytes(b"top_k_passages = -3\n")
    for args in (["index", "status"], ["ask", "Who?"], ["check", str(tmp_path / "a.json")], ["chat"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.strip().splitlines() == [
            f"Error: setting 'top_k_passages' (in config file {isolated_home / 'qa-assistant.toml'}) is -3: "
            "it should be greater than or equal to 1"], args
