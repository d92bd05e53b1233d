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


@pytest.mark.parametrize("line, setting, problem", [
    ("top_k_passages = -3", "top_k_passages", "greater than or equal to 1"),
    ("top_k_passages = true", "top_k_passages", "not true or false"),
    ("n_threads = 2.7", "n_threads", "fractional part"),
    ('temperature = "warm"', "temperature", "valid number"),
    ('embedder_backend = "gpu"', "embedder_backend", "'auto', 'torch', 'onnx' or 'onnx-int8'"),
    ("passage_overlap = 4", "passage_overlap", "less than passage_sentences (4)"),
    ("max_tokens = 0", "max_tokens", "greater than or equal to 1"),
])
def test_a_bad_value_in_the_file_is_one_line_naming_the_setting_and_the_file(
        tmp_path: Path, line: str, setting: str, problem: str) -> None:
    config = tmp_path / "qa-assistant.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path)})
    message = str(exc.value)
    assert message.startswith(f"setting {setting!r} (in config file {config})") and problem in message
    assert "\n" not in message


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    env = {"QA_ASSISTANT_HOME": str(tmp_path), "QA_ASSISTANT_N_CTX": "12"}
    with pytest.raises(ConfigError, match=r"^setting 'n_ctx' \(from environment variable QA_ASSISTANT_N_CTX\) "
                                          r"is '12': it should be greater than or equal to 256$"):
        load_settings(environ=env)
    with pytest.raises(ConfigError, match=r"'top_k_passages' \(given as a flag\) is -1"):
        load_settings({"top_k_passages": -1}, environ={"QA_ASSISTANT_HOME": str(tmp_path)})


def test_a_config_file_that_is_not_utf8_or_not_toml_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "qa-assistant.toml"
    config.write_bytes(b'articles_dir = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=rf"^config file {config} is not UTF-8 text; save it as UTF-8$"):
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path)})
    config.write_text("top_k_passages = \n")
    with pytest.raises(ConfigError, match=rf"^config file {config} is not valid TOML"):
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path)})


def test_environment_strings_are_converted_by_type(tmp_path: Path) -> None:
    env = {"QA_ASSISTANT_HOME": str(tmp_path), "QA_ASSISTANT_EXTRACTIVE": "yes", "QA_ASSISTANT_N_THREADS": "2",
           "QA_ASSISTANT_TEMPERATURE": "0.5", "QA_ASSISTANT_MODEL_PATH": "", "QA_ASSISTANT_PASSAGE_VECTORS": "mean",
           "QA_ASSISTANT_ARTICLES_DIR": "~/news"}
    settings = load_settings(environ=env)
    assert settings.extractive is True and settings.n_threads == 2 and settings.temperature == 0.5
    assert settings.model_path is None  # empty means the default
    assert settings.passage_vectors == "mean"
    assert settings.articles_dir == Path.home() / "news"


def test_every_setting_is_documented() -> None:
    for name, info in Settings.model_fields.items():
        assert info.description, f"setting {name!r} has no docstring"


def test_keyword_construction_is_checked_too() -> None:
    with pytest.raises(ValueError, match="n_ctx"):
        Settings(n_ctx=-5)
    assert Settings(n_threads=None).n_threads is None
    assert Settings(index_dir="idx").index_dir == Path("idx")  # type: ignore[arg-type]


def test_empty_values_nan_and_a_missing_named_config_file(tmp_path: Path) -> None:
    home = {"QA_ASSISTANT_HOME": str(tmp_path)}
    with pytest.raises(ConfigError, match=r"'articles_dir' \(from environment variable QA_ASSISTANT_ARTICLES_DIR\) "
                                          r"is '': it needs a value"):
        load_settings(environ={**home, "QA_ASSISTANT_ARTICLES_DIR": ""})
    (tmp_path / "qa-assistant.toml").write_text("temperature = nan\n")
    with pytest.raises(ConfigError, match="'temperature'.* finite number"):
        load_settings(environ=home)
    missing = tmp_path / "elsewhere.toml"
    with pytest.raises(ConfigError, match=rf"^config file {missing} does not exist; fix QA_ASSISTANT_CONFIG"):
        load_settings(environ={**home, "QA_ASSISTANT_CONFIG": str(missing)})


def test_a_nul_character_in_a_path_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "qa-assistant.toml").write_text('index_dir = "id\\u0000x"\n')
    with pytest.raises(ConfigError, match=r"'index_dir' \(in config file .*\) is .*: it holds a NUL character"):
        load_settings(environ={"QA_ASSISTANT_HOME": str(tmp_path)})
