"""Test-wide setup: Qt offscreen and UTF-8 before Qt loads, and a fresh FINDER_HOME per test."""

from __future__ import annotations

import os

import pytest

# Must happen before anything imports Qt (pytest-qt creates the QApplication lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _finder_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test gets its own data home, so no test touches the user's index or settings."""
    monkeypatch.setenv("FINDER_HOME", str(tmp_path_factory.mktemp("finder-home")))
