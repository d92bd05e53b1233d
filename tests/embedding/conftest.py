"""Embedders shared by the embedder tests: one torch model, one int8 ONNX export in a session cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_assistant.config import Settings
from qa_assistant.embedding.embedder import Embedder, load_embedder
from qa_assistant.embedding.onnx_export import cpu_flags, quantization_config_for


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder shared by the session, so the ONNX export is made once."""
    return tmp_path_factory.mktemp("embed-cache")


@pytest.fixture(scope="session")
def embed_settings(embed_cache: Path) -> Settings:
    return Settings(cache_dir=embed_cache, embed_batch_size=16)


@pytest.fixture(scope="session")
def torch_embedder(embed_settings: Settings) -> Embedder:
    return load_embedder(embed_settings.replace(embedder_backend="torch"))


@pytest.fixture(scope="session")
def int8_config() -> str:
    config = quantization_config_for(cpu_flags())
    if config is None:
        pytest.skip("no int8 quantization config fits this CPU (needs avx2, avx512 or arm64)")
    return config


@pytest.fixture(scope="session")
def int8_embedder(embed_settings: Settings, int8_config: str) -> Embedder:
    """The packaged model exported to int8 ONNX (cold: this load makes the export)."""
    return load_embedder(embed_settings.replace(embedder_backend="onnx-int8"))
