"""Settings: `MUFAKAT_*` variables, command-line values on top, paths made absolute."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.settings import get_settings


def test_defaults_derive_from_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = get_settings()
    assert settings.data_dir == tmp_path.resolve() / ".mufakat"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/.mufakat/mufakat.db"
    assert settings.embedded_temporal_address == "127.0.0.1:7233"
    assert (settings.api_port, settings.namespace, settings.task_queue) == (
        8000,
        "default",
        "mufakat-cases",
    )


def test_environment_then_explicit_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUFAKAT_API_PORT", "9000")
    monkeypatch.setenv("MUFAKAT_TEMPORAL_PORT", "17233")
    monkeypatch.setenv("MUFAKAT_LOG_LEVEL", "debug")
    monkeypatch.setenv("MUFAKAT_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test")
    settings = get_settings(data_dir=tmp_path, temporal_port=27233, api_port=None)
    assert (settings.api_port, settings.temporal_port, settings.log_level) == (9000, 27233, "DEBUG")
    assert settings.database_url == "postgresql+psycopg://127.0.0.1/test"
