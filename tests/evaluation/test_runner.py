"""The eval index cache: one folder per set and per build (settings that change what is stored)."""

from __future__ import annotations

from pathlib import Path

from qa_assistant.config import Settings
from qa_assistant.evaluation.runner import BUILD_KEY_SETTINGS, default_index_dir


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                    **values)


def test_cache_folder_is_named_after_the_set_under_cache_dir(tmp_path: Path) -> None:
    folder = default_index_dir(settings(tmp_path), tmp_path / "squad")
    assert folder.parent == tmp_path / "cache" / "eval-indexes"
    assert folder.name.startswith("squad-")
    assert folder == default_index_dir(settings(tmp_path), tmp_path / "squad")  # stable


def test_each_build_setting_gets_its_own_cache(tmp_path: Path) -> None:
    base = settings(tmp_path)
    changed = {"passage_sentences": 3, "passage_overlap": 0, "passage_vectors": "mean",
               "embedder_backend": "onnx", "embedder_path": tmp_path / "model"}
    assert set(changed) == set(BUILD_KEY_SETTINGS)
    folders = {default_index_dir(base, tmp_path / "squad")}
    for name, value in changed.items():
        folders.add(default_index_dir(base.replace(**{name: value}), tmp_path / "squad"))
    assert len(folders) == len(changed) + 1


def test_settings_that_do_not_change_the_build_share_the_cache(tmp_path: Path) -> None:
    base = settings(tmp_path)
    assert default_index_dir(base, tmp_path / "squad") == default_index_dir(
        base.replace(top_k_passages=9, index_dir=tmp_path / "elsewhere"), tmp_path / "squad")
    assert default_index_dir(base, tmp_path / "squad") != default_index_dir(base, tmp_path / "multirc")
