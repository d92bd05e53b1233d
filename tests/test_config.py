from pathlib import Path

import pytest

from qa_assistant.config import ConfigError, Settings, load_settings


def test_defaults_live_under_the_data_home(isolated_home: Path) -> None:
    settings = load_settings(environ={"QA_ASSISTANT_HOME": str(isolated_home)})
    assert settings.index_dir == isolated_home / "indexes" / "default"
    assert settings.articles_dir.is_dir(), "the sample articles ship with the package"
    assert settings.prompts_dir.is_dir()


def test_file_then_environment_then_flags_win_in_that_order(tmp_path: Path) -> None:
    config = tmp_path / "qa-assistant.toml"
    config.write_text('passage_sentences = 5\ntop_k_passages = 7\nindex_dir = "idx"\nmax_tokens = 50\n')
    env = {"QA_ASSISTANT_HOME": str(tmp_path), "QA_ASSISTANT_TOP_K_PASSAGES": "9",
           "QA_ASSISTANT_MAX_TOKENS": "60"}
    settings = load_settings({"max_tokens": 70}, environ=env)
    assert settings.passage_sentences == 5          # file
    assert settings.top_k_passages == 9             # environment over file
    assert settings.max_tokens == 70                # flag over environment
    assert settings.index_dir == tmp_path / "idx"   # relative to the config file


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="top_k_passages"):
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path), "QA_ASSISTANT_TOP_K_PASSAGES": "many"})
    with pytest.raises(ConfigError, match="embedder_backend"):
        load_settings({"embedder_backend": "gpu"}, environ={"QA_ASSISTANT_HOME": str(tmp_path)})
    (tmp_path / "qa-assistant.toml").write_text("unknown_thing = 1\n")
    with pytest.raises(ConfigError, match="unknown_thing"):
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path)})


def test_settings_are_frozen_and_replace_coerces() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.top_k_passages = 3  # type: ignore[misc]
    assert settings.replace(top_k_passages=3).top_k_passages == 3
    with pytest.raises(ConfigError):
        settings.replace(passage_overlap=10)
