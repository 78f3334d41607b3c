"""Which paths under a watched folder are left out: defaults, user globs, include-only, .gitignore."""

from __future__ import annotations

import fnmatch
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from finder.core.config import Settings

# Folders that hold tools' output, caches or dependencies, never the user's documents.
DEFAULT_DIR_NAMES = frozenset({
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", "env", ".tox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "build", "dist", "target",
    ".gradle", ".idea", ".vscode", "site-packages", ".next", ".nuxt", "coverage",
})
DEFAULT_DIR_GLOBS = ("*.egg-info",)
# Editor backups, lock files and half-finished downloads.
TEMP_GLOBS = ("*~", ".#*", "*.tmp", "*.swp", "*.swx", "*.part", "*.crdownload", "~$*")
IGNORE_FILES = (".gitignore", ".ignore")

_TEMP_RE = re.compile("|".join(fnmatch.translate(g) for g in TEMP_GLOBS), re.DOTALL)
_DIR_GLOB_RE = re.compile("|".join(fnmatch.translate(g) for g in DEFAULT_DIR_GLOBS), re.DOTALL)


def is_temp_name(name: str) -> bool:
    """True for editor backups, lock files and partial downloads (``*~``, ``.#*``, ``*.tmp`` …)."""
    return _TEMP_RE.match(name) is not None


def is_ignore_file(name: str) -> bool:
    """True for the names of files that hold ignore rules (.gitignore, .ignore)."""
    return name in IGNORE_FILES


@dataclass(frozen=True)
class IgnoreRules:
    """The parsed ignore files of one folder; ``prefix`` is the folder relative to the root."""

    prefix: str
    spec: GitIgnoreSpec


IgnoreChain = tuple[IgnoreRules, ...]


class PathFilter:
    """Decides whether a path under ``root`` is excluded from indexing."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = Path(os.path.abspath(root))
        self._root_str = str(self.root)
        self.settings = settings
        self._user = GitIgnoreSpec.from_lines(settings.exclude) if settings.exclude else None
        self._include = (
            GitIgnoreSpec.from_lines(settings.include_only) if settings.include_only else None
        )
        self._lock = threading.Lock()
        # folder path → (mtime_ns of each ignore file or -1, parsed rules or None)
        self._cache: dict[str, tuple[tuple[int, ...], IgnoreRules | None]] = {}

    # -- public API -------------------------------------------------------------------------

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """True if ``path`` itself is excluded (its parent folders are not looked at)."""
        rel = self.relative(path)
        if rel is None:
            return True
        if rel == "":
            return False
        chain = self.chain_for(os.path.dirname(str(path))) if self.settings.honour_gitignore else ()
        return self.check(str(path), rel, is_dir, chain)

    def excluded_with_parents(self, path: Path, is_dir: bool) -> bool:
        """True if ``path`` or any folder between the root and it is excluded."""
        rel = self.relative(path)
        if rel is None:
            return True
        if rel == "":
            return False
        parts = rel.split("/")
        folder = self._root_str
        chain: IgnoreChain = ()
        gitignore = self.settings.honour_gitignore
        for i, name in enumerate(parts):
            full = os.path.join(folder, name)
            last = i == len(parts) - 1
            if gitignore:
                rules = self.rules_for(folder)
                if rules is not None:
                    chain = chain + (rules,)
            if self.check(full, "/".join(parts[: i + 1]), is_dir if last else True, chain):
                return True
            folder = full
        return False

    def relative(self, path: Path | str) -> str | None:
        """``path`` relative to the root with "/" separators; "" for the root, None if outside."""
        s = os.path.abspath(path)
        if s == self._root_str:
            return ""
        prefix = self._root_str if self._root_str.endswith(os.sep) else self._root_str + os.sep
        if not s.startswith(prefix):
            return None
        rel = s[len(prefix):]
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def chain_for(self, folder: str) -> IgnoreChain:
        """The ignore rules that apply inside ``folder``, from the root down."""
        rel = self.relative(folder)
        if rel is None:
            return ()
        chain: list[IgnoreRules] = []
        current = self._root_str
        parts = rel.split("/") if rel else []
        for name in [""] + parts:
            if name:
                current = os.path.join(current, name)
            rules = self.rules_for(current)
            if rules is not None:
                chain.append(rules)
        return tuple(chain)

    def rules_for(self, folder: str) -> IgnoreRules | None:
        """The parsed .gitignore/.ignore of ``folder``, cached until either file's mtime changes."""
        stamps = []
        for name in IGNORE_FILES:
            try:
                stamps.append(os.stat(os.path.join(folder, name)).st_mtime_ns)
            except OSError:
                stamps.append(-1)
        key = tuple(stamps)
        with self._lock:
            cached = self._cache.get(folder)
        if cached is not None and cached[0] == key:
            return cached[1]
        rules = self._parse(folder, key)
        with self._lock:
            self._cache[folder] = (key, rules)
        return rules

    def check(self, full: str, rel: str, is_dir: bool, chain: IgnoreChain) -> bool:
        """The rules for one path whose parents are known to be included (used by the scanner)."""
        name = rel.rpartition("/")[2]
        settings = self.settings
        if is_dir:
            if name in DEFAULT_DIR_NAMES or _DIR_GLOB_RE.match(name):
                return True
            if name.startswith(".") and not settings.index_hidden:
                return True
            if os.path.exists(os.path.join(full, "pyvenv.cfg")):
                return True  # a virtualenv under any name
        else:
            if name.startswith(".") and not settings.index_hidden:
                return True
            if _TEMP_RE.match(name):
                return True
        match_rel = rel + "/" if is_dir else rel
        if self._user is not None and self._user.check_file(match_rel).include:
            return True
        if chain and self._ignored_by(chain, match_rel):
            return True
        if not is_dir and self._include is not None:
            return not self._include.check_file(rel).include
        return False

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _ignored_by(chain: IgnoreChain, match_rel: str) -> bool:
        # Deeper ignore files override shallower ones, as in git: the last decisive match wins.
        verdict: bool | None = None
        for rules in chain:
            if rules.prefix:
                if not match_rel.startswith(rules.prefix + "/"):
                    continue
                sub = match_rel[len(rules.prefix) + 1:]
            else:
                sub = match_rel
            result = rules.spec.check_file(sub).include
            if result is not None:
                verdict = result
        return bool(verdict)

    def _parse(self, folder: str, stamps: tuple[int, ...]) -> IgnoreRules | None:
        if all(s < 0 for s in stamps):
            return None
        lines: list[str] = []
        for name, stamp in zip(IGNORE_FILES, stamps):
            if stamp < 0:
                continue
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
                    lines.extend(fh.read().splitlines())
            except OSError:
                continue
        try:
            spec = GitIgnoreSpec.from_lines(lines)
        except ValueError:  # a malformed line must not break the walk: drop just that line
            spec = GitIgnoreSpec.from_lines([line for line in lines if _parses(line)])
        prefix = self.relative(folder) or ""
        return IgnoreRules(prefix, spec) if len(spec) else None


def _parses(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True
