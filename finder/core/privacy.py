"""Which files must never be sent to a remote embedding provider (keys, wallets, password exports)."""

from __future__ import annotations

import fnmatch
from pathlib import Path, PurePath

from finder.core.config import Settings

# Folders whose whole content is secret.
SECRET_DIRS = frozenset({".ssh", ".gnupg", ".gpg", ".password-store", ".aws", ".kube", ".docker"})

# File-name patterns (matched case-insensitively against the name only).
SECRET_NAME_PATTERNS: tuple[str, ...] = (
    ".env", ".env.*", "*.env",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk", "*.asc", "*.gpg",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    "*.kdbx", "*.kdb", "*.keychain", "*.keychain-db", "*.keychain*", "keychain-db",
    "*.agilekeychain", "*.opvault", "*.1pux", "*.1pif",
    "credentials.json", "credentials", "client_secret*.json", "service-account*.json",
    ".netrc", "_netrc", ".pgpass", ".npmrc", ".pypirc", ".git-credentials", ".htpasswd",
    "keys.toml", "secrets.toml", "secrets.yaml", "secrets.yml", "secrets.json",
    # Password-manager exports (1Password, Bitwarden, LastPass, KeePass, browsers).
    "*password*export*.csv", "*passwords*.csv", "*password*.csv", "*export*password*.csv",
    "bitwarden_export*.json", "bitwarden_export*.csv", "bitwarden*.csv",
    "lastpass*.csv", "1password*.csv", "1password*.1pux", "keepass*.csv", "keepassxc*.csv",
    "*logins*.csv", "chrome passwords*.csv",
)


def is_secret_path(path: Path | str) -> bool:
    """True for files that likely hold keys, passwords or credentials."""
    p = PurePath(path)
    parts = [part.lower() for part in p.parts]
    if any(part in SECRET_DIRS for part in parts[:-1]):
        return True
    name = p.name.lower()
    if not name:
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_NAME_PATTERNS)


def may_send(path: Path | str, settings: Settings) -> bool:
    """May this file's text go to a remote provider? No for secrets unless the user allowed it."""
    return settings.send_secrets or not is_secret_path(path)
