"""API key lookup and storage, redaction, and the secret-file matrix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from finder.core import keys
from finder.core.config import Settings
from finder.core.errors import ConfigError
from finder.core.fsutil import data_home
from finder.core.privacy import is_secret_path, may_send


def test_env_var_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert keys.get_api_key("openai", Settings(provider="openai")) is None
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standard")
    assert keys.get_api_key("openai", Settings(provider="openai")) == "sk-standard"
    monkeypatch.setenv("MY_KEY", "sk-custom")
    s = Settings(provider="openai", api_key_env="MY_KEY")
    assert keys.get_api_key("openai", s) == "sk-custom"
    assert keys.key_source("openai", s) == "environment variable MY_KEY"
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")
    assert keys.get_api_key("gemini") == "g-key"
    monkeypatch.setenv("GEMINI_API_KEY", "gem-key")
    assert keys.get_api_key("gemini") == "gem-key"
    # an OpenAI key is never offered to an arbitrary server
    assert keys.get_api_key("openai-compatible") is None


def test_file_store_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    assert keys.set_api_key("dashscope", "sk-ds-123456") == "private keys file"
    path = data_home() / "keys.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.get_api_key("dashscope") == "sk-ds-123456"
    assert keys.get_api_key("dashscope-compatible") == "sk-ds-123456"  # one vendor, one key
    assert keys.key_source("dashscope").startswith("private keys file")
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env")
    assert keys.get_api_key("dashscope") == "sk-env"  # env wins
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    keys.set_api_key("zhipu", "id.secret")
    assert keys.get_api_key("dashscope") == "sk-ds-123456"
    keys.delete_api_key("dashscope")
    assert keys.get_api_key("dashscope") is None and keys.get_api_key("zhipu") == "id.secret"
    with pytest.raises(ConfigError):
        keys.set_api_key("openai", "  ")


def test_loose_file_permissions_are_tightened() -> None:
    path = data_home() / "keys.toml"
    path.write_text('[keys]\nopenai = "sk-x-1234"\n')
    os.chmod(path, 0o644)
    assert keys.get_api_key("openai") == "sk-x-1234"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


class MemoryKeyring:
    def __init__(self, fail: bool = False) -> None:
        self.store: dict[tuple[str, str], str] = {}
        self.fail = fail

    def get_password(self, service: str, name: str) -> str | None:
        if self.fail:
            raise RuntimeError("dbus is gone")
        return self.store.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        if self.fail:
            raise RuntimeError("locked")
        self.store[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        self.store.pop((service, name), None)


def test_keyring_preferred_and_errors_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = MemoryKeyring()
    monkeypatch.setattr(keys, "_keyring", lambda: ring)
    assert keys.set_api_key("gemini", "AIza-123456") == "system keyring"
    assert ring.store == {("semantic-finder", "gemini"): "AIza-123456"}
    assert keys.get_api_key("gemini") == "AIza-123456"
    assert keys.key_source("gemini") == "system keyring"
    assert not (data_home() / "keys.toml").exists()
    broken = MemoryKeyring(fail=True)
    monkeypatch.setattr(keys, "_keyring", lambda: broken)
    assert keys.get_api_key("gemini") is None  # a failing backend is "no keyring", not a crash
    assert keys.set_api_key("gemini", "AIza-999999") == "private keys file"
    assert keys.get_api_key("gemini") == "AIza-999999"


def test_real_keyring_probe_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # drop the fixture's "no keyring" patch: probe the real backend
    ring = keys._keyring()
    assert ring is None or hasattr(ring, "get_password")


def test_redact() -> None:
    text = "Incorrect API key sk-abc-123456; header Authorization: Bearer tok_999 end"
    out = keys.redact(text, ["sk-abc-123456", None, ""])
    assert "sk-abc-123456" not in out and "tok_999" not in out and out.endswith("end")


SECRETS = [".env", ".env.local", "prod.env", "server.pem", "tls.key", "cert.p12", "cert.pfx",
           "id_rsa", "id_rsa.pub", "id_ed25519", "id_ecdsa_sk", ".ssh/config", ".ssh/known_hosts",
           ".gnupg/pubring.kbx", "vault.kdbx", "login.keychain-db", "keychain-db",
           "Passwords_Export.csv", "1Password Export password export.csv",
           "bitwarden_export_20240101.json", "lastpass_export.csv", "credentials.json", ".netrc",
           ".pgpass", ".npmrc", ".pypirc", "Chrome Passwords.csv", "KeePass.csv"]
ORDINARY = ["notes.txt", "report.pdf", "environment.md", "keynote.key.txt", "pem_notes.md",
            "id_card.png", "ssh_tutorial.md", "passport.jpg", "export.csv", "config.json",
            "src/main.py", "docs/credentials_howto.md"]


@pytest.mark.parametrize("name", SECRETS)
def test_secret_paths(name: str, tmp_path: Path) -> None:
    assert is_secret_path(tmp_path / "home" / name)
    assert not may_send(tmp_path / name, Settings(provider="openai"))
    assert may_send(tmp_path / name, Settings(provider="openai", send_secrets=True))


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_paths(name: str, tmp_path: Path) -> None:
    assert not is_secret_path(tmp_path / name)
    assert may_send(tmp_path / name, Settings(provider="openai"))
