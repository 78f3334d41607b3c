"""API keys: environment variable, then the OS keyring, then a private 0600 file in the data home."""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w

from finder.core.config import Settings
from finder.core.errors import ConfigError
from finder.core.fsutil import atomic_write_bytes, data_home

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

KEYRING_SERVICE = "semantic-finder"
KEYS_FILE = "keys.toml"


def _preset_key_info(provider_name: str) -> tuple[str, tuple[str, ...]]:
    """(keyring/file entry name, standard env vars) for a provider name."""
    from finder.core.embed.presets import PRESETS

    preset = PRESETS.get(provider_name)
    if preset is None:
        return provider_name, ()
    return preset.key_name or provider_name, preset.key_envs


def _env_names(provider_name: str, settings: Settings | None) -> list[str]:
    names: list[str] = []
    if settings is not None and settings.api_key_env:
        names.append(settings.api_key_env)
    names.extend(_preset_key_info(provider_name)[1])
    return names


# --------------------------------------------------------------------------- keyring


def _keyring() -> Any | None:
    """The keyring module when a real backend is usable, else None (headless boxes, no D-Bus)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return None
        if getattr(backend, "priority", 1) <= 0 and not getattr(backend, "backends", None):
            return None
        chained = getattr(backend, "backends", None)
        if chained is not None and not chained:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - any backend problem means "no keyring"
        return None


def _keyring_get(entry: str) -> str | None:
    kr = _keyring()
    if kr is None:
        return None
    try:
        value = kr.get_password(KEYRING_SERVICE, entry)
    except Exception as exc:  # noqa: BLE001
        log.info("keyring unavailable (%s)", type(exc).__name__)
        return None
    return value or None


def _keyring_set(entry: str, key: str) -> bool:
    kr = _keyring()
    if kr is None:
        return False
    try:
        kr.set_password(KEYRING_SERVICE, entry, key)
    except Exception as exc:  # noqa: BLE001
        log.info("keyring cannot store keys (%s); using the private keys file",
                 type(exc).__name__)
        return False
    return True


def _keyring_delete(entry: str) -> None:
    kr = _keyring()
    if kr is None:
        return
    try:
        kr.delete_password(KEYRING_SERVICE, entry)
    except Exception as exc:  # noqa: BLE001 - absent entry or broken backend
        log.debug("keyring delete skipped (%s)", type(exc).__name__)


# --------------------------------------------------------------------------- keys file


def keys_path(home: Path | None = None) -> Path:
    return (home or data_home()) / KEYS_FILE


def _read_file(home: Path | None = None) -> dict[str, str]:
    path = keys_path(home)
    try:
        st = path.stat()
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc.strerror)
        return {}
    if os.name == "posix" and stat.S_IMODE(st.st_mode) & 0o077:
        log.warning("%s was readable by others; restricting it to the owner", path)
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        log.warning("%s is not valid TOML; ignoring it", path)
        return {}
    keys = data.get("keys", {})
    return {k: v for k, v in keys.items() if isinstance(v, str)} if isinstance(keys, dict) else {}


def _write_file(keys: dict[str, str], home: Path | None = None) -> None:
    data = tomli_w.dumps({"keys": dict(sorted(keys.items()))}).encode("utf-8")
    atomic_write_bytes(keys_path(home), data, mode=0o600)


# --------------------------------------------------------------------------- public API


def get_api_key(provider_name: str, settings: Settings | None = None) -> str | None:
    """The key for a provider: env var (settings.api_key_env, then the standard ones) →
    OS keyring → the private keys file. None when no key is set anywhere."""
    for name in _env_names(provider_name, settings):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    entry = _preset_key_info(provider_name)[0]
    return _keyring_get(entry) or _read_file().get(entry) or None


def key_source(provider_name: str, settings: Settings | None = None) -> str:
    """Where the key would come from, for display ("environment variable OPENAI_API_KEY"…)."""
    for name in _env_names(provider_name, settings):
        if os.environ.get(name, "").strip():
            return f"environment variable {name}"
    entry = _preset_key_info(provider_name)[0]
    if _keyring_get(entry):
        return "system keyring"
    if _read_file().get(entry):
        return f"private keys file ({keys_path()})"
    return "not set"


def set_api_key(provider_name: str, key: str) -> str:
    """Store a key in the OS keyring when usable, else in the 0600 keys file; returns where."""
    key = key.strip()
    if not key or re.search(r"\s", key):
        raise ConfigError("An API key cannot be empty or contain spaces.")
    entry = _preset_key_info(provider_name)[0]
    if _keyring_set(entry, key):
        keys = _read_file()
        if keys.pop(entry, None) is not None:  # never leave a stale copy in the file
            _write_file(keys)
        return "system keyring"
    keys = _read_file()
    keys[entry] = key
    _write_file(keys)
    return "private keys file"


def delete_api_key(provider_name: str) -> None:
    """Forget a stored key (keyring and file); environment variables are left alone."""
    entry = _preset_key_info(provider_name)[0]
    _keyring_delete(entry)
    keys = _read_file()
    if keys.pop(entry, None) is not None:
        _write_file(keys)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (≥ 4 characters) and any bearer token replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return re.sub(r"(?i)(bearer\s+)[^\s\"',]+", r"\1[redacted]", text)
