"""Settings: one frozen dataclass, defaults in one place, loaded from and saved atomically to TOML."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from finder.core.errors import ConfigError
from finder.core.fsutil import atomic_write_text, data_home

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_FILE = "settings.toml"


@dataclass(frozen=True)
class Settings:
    """Every user-visible setting with its default."""

    roots: tuple[str, ...] = ()
    # Exclusions: glob patterns (gitignore syntax) applied under every root, on top of defaults.
    exclude: tuple[str, ...] = ()
    include_only: tuple[str, ...] = ()
    index_hidden: bool = False
    honour_gitignore: bool = True
    max_file_mb: float = 100.0
    # Chunking, in characters (CJK characters count as one each).
    chunk_chars: int = 800
    chunk_overlap: int = 120
    # Embedding provider: "local" (offline default) or a remote preset name.
    provider: str = "local"
    model: str = ""
    base_url: str = ""
    dimensions: int = 0
    api_key_env: str = ""
    # With the offline default (multilingual USE), a second local model re-scores English
    # queries (SciFact nDCG@10 +0.05 hybrid); "" turns it off. Chinese queries never use it.
    english_model: str = "minilm"
    multimodal: bool = False
    send_secrets: bool = False
    # Resource control.
    cpu_cap: int = 50  # percent of one core's time the indexer may use on average
    paused: bool = False
    threads: int = 0  # 0 = choose from the CPU count
    # Desktop.
    hotkey: str = "Ctrl+Alt+Space"
    start_at_login: bool = False
    first_run_done: bool = False

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for key, value in data.items():
            if key not in known:
                continue  # settings written by a newer version: ignore, keep the rest
            default = getattr(defaults, key)
            if isinstance(default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"setting '{key}' must be a list of strings")
                value = tuple(value)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"setting '{key}' must be true or false")
            elif isinstance(default, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ConfigError(f"setting '{key}' must be a number")
                value = type(default)(value)
            elif isinstance(default, str) and not isinstance(value, str):
                raise ConfigError(f"setting '{key}' must be text")
            kwargs[key] = value
        settings = cls(**kwargs)
        if settings.max_file_mb <= 0:
            raise ConfigError("max_file_mb must be positive")
        if not 1 <= settings.cpu_cap <= 100:
            raise ConfigError("cpu_cap must be between 1 and 100 (percent)")
        if settings.chunk_chars < 100 or not 0 <= settings.chunk_overlap < settings.chunk_chars // 2:
            raise ConfigError("chunk_chars must be ≥ 100 and chunk_overlap below half of it")
        return settings


def settings_path(home: Path | None = None) -> Path:
    return (home or data_home()) / SETTINGS_FILE


def load_settings(home: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    path = settings_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return Settings.from_dict(data)


def save_settings(settings: Settings, home: Path | None = None) -> None:
    """Write the settings atomically (never a half-written file)."""
    atomic_write_text(settings_path(home), tomli_w.dumps(settings.to_dict()))
