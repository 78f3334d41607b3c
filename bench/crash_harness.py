"""Kill -9 harness: SIGKILL the indexer at random moments, restart it, then check that nothing broke.

    .venv/bin/python bench/crash_harness.py --runs 40 --seed 1 [--files 60] [--provider hash|local]

Each run starts a driver subprocess (this file with ``--driver``) that indexes the corpus through
``FinderService`` and is killed with SIGKILL either by this process after a random delay inside a
chosen phase (scan, extract, embed, HNSW save) or by itself at an injected point (inside a SQLite
write transaction before COMMIT, right after a COMMIT, after a batch was embedded but before it
was stored, after vectors were committed but before they reached the vector index, after the HNSW
temp file was written, after it replaced the old file but before its checksum was recorded).
Between runs the corpus is mutated (edit, add, delete, rename, folder rename, duplicate, touch).
A last run completes, another must find nothing to do, then the invariants are checked:

- ``PRAGMA integrity_check`` and the FTS5 integrity check pass;
- every file on disk is in ``files`` exactly once, indexed (or skipped/failed with a reason), and
  nothing in the catalog is missing from disk; its content hash matches the file now;
- chunk ordinals are 0..n-1 per file; ``chunks_fts`` rowids == chunk ids; ``names_fts`` == files;
- every chunk text of an indexed file has exactly one vector row for the model;
- the vector index (``VectorIndex.load()``) holds exactly the vector ids SQLite holds;
- searching the first words of each file's first chunk (keyword mode) finds that file.

Re-embedding: the driver's provider appends every text hash it embeds to a log. A text embedded
again whose vector was committed before that run started is a "finished chunk re-embedded"
(must be 0); a text embedded by a killed run but not committed is "in flight at kill" (at most one
batch per kill). The driver uses a low exact/graph threshold so hnswlib's graph and its saves are
exercised with a small corpus, and saves the graph after every batch.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH, so a patched tree can be tried in its place
sys.path.append(str(ROOT / "tests" / "core"))

from fakes import HashProvider  # noqa: E402  (the same deterministic embedder the tests use)

HASH_MODEL_ID = "test/crash-hash-64"
HASH_BATCH = 8
KILL_POINTS = ("commit", "aftercommit", "embed", "stored", "save-tmp", "save-replaced", "scan", "extract")
EXTERNAL_PHASES = ("start", "scan", "extract", "embed", "save")
OPS = ("edit", "add", "delete", "rename", "rename_dir", "duplicate", "touch", "replace_same", "delete_add",
       "rename_edit")

WORDS = ["apple", "orchard", "river", "harbour", "lantern", "meadow", "copper", "violin", "quartz", "saddle", "glacier", "tundra", "falcon", "pepper", "cobalt", "marble", "canyon", "ember", "willow", "thunder", "velvet", "prism", "anchor", "compass", "beacon", "summit", "atlas", "bramble", "cedar", "dune", "fjord", "grove", "hollow", "island", "jungle", "kettle", "lagoon", "mesa", "nectar", "oasis", "pebble", "quiver", "reef", "spruce", "tide", "umbra", "valley", "wharf", "yarrow", "zephyr", "budget", "invoice", "protocol", "kernel", "socket", "thread", "buffer", "cluster", "vector", "index", "search", "meaning", "folder", "document", "archive"]
CHINESE = (
    "今天天气很好，我们在公园里散步。", "语义搜索可以根据文件的含义来查找文件。", "使用 fdisk 对硬盘进行分区。",
    "如何给系统添加一个新的用户账号。", "向量数据库用于存储嵌入向量。", "这份报告总结了第三季度的销售情况。",
)


# -- the driver side (runs in the killed subprocess) -------------------------------------------

def text_hash(text: str) -> str:
    from finder.core.indexer import text_hash as th

    return th(text)


class CrashHashProvider(HashProvider):
    """The tests' bag-of-words embedder, slowed a little per batch so timed kills land in it."""

    name = "crash-hash"
    model_id = HASH_MODEL_ID
    max_batch = HASH_BATCH

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        if self.delay:
            time.sleep(self.delay)  # stretch embedding so that timed kills land in it
        return np.stack([self._vec(t) for t in texts])  # no in-memory record: the log file is the record


class LoggedProvider:
    """Wraps a provider: appends "run hash" per embedded text, and may kill after embedding."""

    def __init__(self, inner, log_path: Path, run: int, kill) -> None:  # type: ignore[no-untyped-def]
        self._inner = inner
        self._log = open(log_path, "a", buffering=1, encoding="ascii")  # noqa: SIM115 - lives until killed
        self._run = run
        self._kill = kill

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._inner, name)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        vecs = self._inner.embed_documents(texts, titles)
        # Written before the vectors are returned: after a kill here, they count as in flight.
        self._log.write("".join(f"{self._run} {text_hash(t)}\n" for t in texts))
        self._kill("embed")
        return vecs


def driver_main(args: argparse.Namespace) -> int:
    """Index ``args.corpus`` into ``args.home`` once, with the kill point and tweaks from the env."""
    import finder.core.extract as extraction
    import finder.core.indexer as indexer_mod
    from finder.core import embedding
    from finder.core.config import load_settings
    from finder.core.service import FinderService
    from finder.core.store import vectors
    from finder.core.store.db import Catalog

    env = os.environ
    exact_limit = int(env.get("FINDER_CRASH_EXACT_LIMIT", "40"))
    vectors.EXACT_LIMIT = exact_limit
    embedding.SAVE_EVERY_SECONDS = float(env.get("FINDER_CRASH_SAVE_EVERY", "0"))
    point, _, nth = env.get("FINDER_CRASH_AT", "").partition(":")
    countdown = {point: int(nth)} if point else {}
    phases = open(env["FINDER_CRASH_PHASES"], "a", buffering=1, encoding="ascii")  # noqa: SIM115
    last = {"phase": ""}

    def mark(phase: str) -> None:
        if phase != last["phase"]:
            phases.write(phase + "\n")
            last["phase"] = phase

    hits: Counter[str] = Counter()

    def kill(where: str) -> None:
        hits[where] += 1
        if where in countdown:
            countdown[where] -= 1
            if countdown[where] <= 0:
                phases.write(f"selfkill {where}\n")
                os.kill(os.getpid(), signal.SIGKILL)

    # Injection points, each a thin wrapper around the real code path.
    orig_write = Catalog.write

    @contextmanager
    def write(self):  # type: ignore[no-untyped-def]
        with orig_write(self) as conn:
            yield conn
            kill("commit")  # inside the transaction: the COMMIT never happens
        kill("aftercommit")

    Catalog.write = write  # type: ignore[method-assign]

    orig_scan_root = indexer_mod.scan_root

    def scan_root(*a, **kw):  # type: ignore[no-untyped-def]
        mark("scan")
        for entry in orig_scan_root(*a, **kw):
            kill("scan")
            yield entry

    indexer_mod.scan_root = scan_root

    orig_extract = extraction.extract

    def extract(*a, **kw):  # type: ignore[no-untyped-def]
        mark("extract")
        doc = orig_extract(*a, **kw)
        kill("extract")
        return doc

    extraction.extract = extract

    orig_add = vectors.VectorIndex.add

    def add(self, ids, mat):  # type: ignore[no-untyped-def]
        kill("stored")  # vectors committed to SQLite, not yet in the index
        return orig_add(self, ids, mat)

    vectors.VectorIndex.add = add  # type: ignore[method-assign]

    saving = threading.local()
    orig_save = vectors.VectorIndex.save
    orig_checksum = vectors.file_checksum
    orig_fsync_dir = vectors._fsync_dir

    def save(self):  # type: ignore[no-untyped-def]
        mark("save")
        saving.on = True
        try:
            return orig_save(self)
        finally:
            saving.on = False
            mark("embed")

    def checksum(path):  # type: ignore[no-untyped-def]
        if getattr(saving, "on", False):
            kill("save-tmp")  # temp file written, old file still in place
        return orig_checksum(path)

    def fsync_dir(folder):  # type: ignore[no-untyped-def]
        if getattr(saving, "on", False):
            kill("save-replaced")  # new file in place, checksum not yet recorded
        return orig_fsync_dir(folder)

    vectors.VectorIndex.save = save  # type: ignore[method-assign]
    vectors.file_checksum = checksum
    vectors._fsync_dir = fsync_dir

    if env.get("FINDER_CRASH_PROVIDER", "hash") == "local":
        from finder.core.embed.registry import create_provider

        inner = create_provider(load_settings(Path(args.home)))
    else:
        inner = CrashHashProvider(float(env.get("FINDER_CRASH_BATCH_DELAY", "0.02")))
    provider = LoggedProvider(inner, Path(env["FINDER_CRASH_LOG"]), int(env.get("FINDER_CRASH_RUN", "0")), kill)
    mark("start")
    service = FinderService(home=Path(args.home), provider=provider)  # type: ignore[arg-type]
    try:
        service.index([Path(args.corpus)], on_progress=lambda p: mark(p.phase))
    finally:
        mark("close")
        service.close()
    mark("done")
    phases.write("counts " + json.dumps(dict(hits), separators=(",", ":")) + "\n")
    return 0


# -- the harness side ------------------------------------------------------------------------------

def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(CHINESE)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."


def _body(rng: random.Random, token: str) -> str:
    target = rng.choice((200, 400, 900, 1600, 2600))
    parts = [f"Note {token}."]
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(_sentence(rng))
    return " ".join(parts) + "\n"


def build_corpus(root: Path, files: int, rng: random.Random) -> None:
    """Text and markdown files (some Chinese), a few PDFs, and a few exact duplicates."""
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from zoo import make_pdf  # type: ignore[import-not-found]
    except ImportError:
        make_pdf = None
    folders = [root / f"dir{i}" for i in range(max(2, files // 10))]
    made: list[Path] = []
    for i in range(files):
        folder = rng.choice(folders)
        folder.mkdir(parents=True, exist_ok=True)
        token = f"uq{i:04d}"
        if make_pdf is not None and i % 15 == 7:
            path = folder / f"{token}.pdf"
            path.write_bytes(make_pdf([f"Report {token} about {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
                                       f"Second page {token} on {rng.choice(WORDS)}."]))
        elif i % 9 == 4 and made:
            src = rng.choice([p for p in made if p.suffix != ".pdf"] or made)
            path = folder / f"copy_{token}{src.suffix}"
            shutil.copyfile(src, path)
        else:
            path = folder / f"{token}{rng.choice(('.txt', '.md'))}"
            path.write_text(_body(rng, token), encoding="utf-8")
        made.append(path)


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class Mutator:
    """Random file operations between runs, the kind a user makes while the indexer is down."""

    def __init__(self, root: Path, rng: random.Random, ops: Sequence[str] = OPS) -> None:
        self.root = root
        self.rng = rng
        self.ops = tuple(ops)
        self.serial = 0
        self.done: Counter[str] = Counter()

    def _token(self) -> str:
        self.serial += 1
        return f"mu{self.serial:04d}"

    def mutate(self, op: str | None = None) -> None:
        files = [p for p in corpus_files(self.root) if p.suffix != ".pdf"]
        if not files:
            return
        rng = self.rng
        op = op or rng.choice(self.ops)
        path = rng.choice(files)
        if op == "edit":
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"Edited {self._token()}. {_sentence(rng)}\n")
        elif op == "add":
            folder = rng.choice([d for d in self.root.iterdir() if d.is_dir()])
            tok = self._token()
            (folder / f"{tok}.txt").write_text(_body(rng, tok), encoding="utf-8")
        elif op == "delete":
            path.unlink()
        elif op == "rename":
            path.rename(path.with_name(f"{self._token()}_{path.name}"))
        elif op == "rename_dir":
            folder = path.parent
            folder.rename(folder.with_name(f"{folder.name}_{self._token()}"))
        elif op == "duplicate":
            shutil.copyfile(path, path.with_name(f"dup_{self._token()}{path.suffix}"))
        elif op == "touch":
            os.utime(path)
        elif op == "replace_same":  # an editor's atomic save with unchanged text
            tmp = path.with_name(path.name + ".swp.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, path)
        elif op == "delete_add":  # delete, then a new file of the same size (may reuse the inode)
            size = path.stat().st_size
            path.unlink()
            tok = self._token()
            text = f"Fresh {tok} " + " ".join(rng.choice(WORDS) for _ in range(size))
            new = path.with_name(f"{tok}.txt")
            new.write_bytes(text.encode()[:size].ljust(size, b"."))
        elif op == "rename_edit":  # renamed and then edited in place, same size (a typo fixed)
            new = path.with_name(f"{self._token()}_{path.name}")
            path.rename(new)
            data = bytearray(new.read_bytes())
            data[:4] = b"EDIT"
            with open(new, "r+b") as fh:
                fh.write(data)
        self.done[op] += 1


@dataclass
class HarnessResult:
    runs: int = 0
    kills: int = 0
    completed_early: int = 0
    landed: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    embedded_total: int = 0
    distinct_embedded: int = 0
    finished_reembedded: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    final_files: int = 0
    final_chunks: int = 0
    final_vectors: int = 0
    graph_mode: bool = False
    rebuilt_on_load: bool = False
    seconds: float = 0.0

    def table(self) -> str:
        rows = [
            ("runs (killed + final + idle check)", self.runs),
            ("kills", self.kills),
            ("runs that finished before their kill", self.completed_early),
            ("inconsistencies", len(self.problems)),
            ("finished chunks re-embedded", self.finished_reembedded),
            ("in flight at kill (re-embedded legitimately)", f"{self.in_flight} (max {self.max_in_flight}/kill)"),
            ("texts embedded / distinct", f"{self.embedded_total} / {self.distinct_embedded}"),
            ("final files / chunks / vectors", f"{self.final_files} / {self.final_chunks} / {self.final_vectors}"),
            ("vector index mode at the end", "hnswlib graph" if self.graph_mode else "exact"),
            ("time (s)", f"{self.seconds:.1f}"),
        ]
        out = ["| metric | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
        out += ["", "| kill landed in | count |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in sorted(self.landed.items())]
        out += ["", "mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(self.mutations.items()))]
        if self.problems:
            out += ["", "PROBLEMS:"] + [f"- {p}" for p in self.problems[:50]]
        return "\n".join(out)


def _committed(home: Path, model_id: str) -> set[str]:
    path = home / "catalog.sqlite3"
    if not path.exists():
        return set()
    conn = sqlite3.connect(path, timeout=30)
    try:
        return {r[0] for r in conn.execute("SELECT text_hash FROM vectors WHERE model_id=?", (model_id,))}
    except sqlite3.OperationalError:  # killed before the schema was created
        return set()
    finally:
        conn.close()


def _read_phases(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="ascii").split()
    except FileNotFoundError:
        return []


class Harness:
    def __init__(self, work: Path, *, files: int, seed: int, provider: str = "hash", exact_limit: int = 40,
                 batch_delay: float = 0.02, run_timeout: float = 120.0, mutate_prob: float = 0.8,
                 ops: Sequence[str] = OPS) -> None:
        self.work = work
        self.home = work / "home"
        self.corpus = work / "corpus"
        self.log = work / "embedded.log"
        self.rng = random.Random(seed)
        self.files = files
        self.provider = provider
        self.exact_limit = exact_limit
        self.batch_delay = batch_delay
        self.run_timeout = run_timeout
        self.mutate_prob = mutate_prob
        self.model_id = HASH_MODEL_ID if provider == "hash" else "local/use-m3"
        self.batch = HASH_BATCH if provider == "hash" else 64
        self.result = HarnessResult()
        self.mutator = Mutator(self.corpus, self.rng, ops)
        self.before: dict[int, set[str]] = {}
        self.after: dict[int, set[str]] = {}
        self.killed_runs: set[int] = set()
        self.run_no = 0
        self.counts: dict[str, int] = {}

    def _driver(self, crash_at: str) -> tuple[subprocess.Popen[bytes], Path]:
        self.run_no += 1
        phases = self.work / f"phases-{self.run_no}.txt"
        env = dict(os.environ, FINDER_HOME=str(self.home), FINDER_CRASH_LOG=str(self.log),
                   FINDER_CRASH_PHASES=str(phases), FINDER_CRASH_RUN=str(self.run_no),
                   FINDER_CRASH_AT=crash_at, FINDER_CRASH_EXACT_LIMIT=str(self.exact_limit),
                   FINDER_CRASH_PROVIDER=self.provider, FINDER_CRASH_BATCH_DELAY=str(self.batch_delay),
                   PYTHONPATH=os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p))
        err = open(self.work / f"stderr-{self.run_no}.txt", "wb")  # noqa: SIM115 - closed in _run
        try:
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--driver", "--home", str(self.home),
                 "--corpus", str(self.corpus)],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        finally:
            err.close()
        return proc, phases

    def _run(self, crash_at: str = "", external: str | None = None, expect_kill: bool = True) -> int | None:
        """One driver run; returns its exit code (-9 when killed)."""
        self.before[self.run_no + 1] = _committed(self.home, self.model_id)
        proc, phases = self._driver(crash_at)
        run = self.run_no
        try:
            if external is not None:
                deadline = time.monotonic() + self.run_timeout
                while proc.poll() is None and time.monotonic() < deadline:
                    if external in _read_phases(phases):
                        time.sleep(self.rng.uniform(0.0, 0.15))  # a random moment inside the phase
                        landed = (_read_phases(phases) or ["?"])[-1]
                        landed = "done" if landed.startswith("{") else landed
                        if proc.poll() is None:
                            os.kill(proc.pid, signal.SIGKILL)
                            self.result.landed[f"timed kill during {landed}"] += 1
                        break
                    time.sleep(0.005)  # polling the driver's phase file, bounded by the deadline
            try:
                rc = proc.wait(self.run_timeout)
            except subprocess.TimeoutExpired:
                self.result.problems.append(f"run {run} hung for {self.run_timeout} s (crash_at={crash_at!r})")
                return None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.after[run] = _committed(self.home, self.model_id)
        if rc == -signal.SIGKILL:
            self.result.kills += 1
            self.killed_runs.add(run)
            marks = _read_phases(phases)
            if crash_at and "selfkill" in marks:
                self.result.landed[f"injected: {crash_at.partition(':')[0]}"] += 1
        elif rc == 0:
            if expect_kill:
                self.result.completed_early += 1
            marks = _read_phases(phases)
            if "counts" in marks:  # how often each point was passed: aim the next kills inside that
                self.counts = json.loads(marks[marks.index("counts") + 1])
        else:
            tail = (self.work / f"stderr-{run}.txt").read_text(errors="replace")[-1500:]
            self.result.problems.append(f"run {run} exited {rc} (crash_at={crash_at!r}): {tail}")
        return rc

    def _plan(self) -> tuple[str, str | None]:
        rng = self.rng
        if rng.random() < 0.4:
            return "", rng.choice(EXTERNAL_PHASES)
        point = rng.choice(KILL_POINTS)
        scale = self.counts.get(point, 0) or {"commit": 3 * self.files, "aftercommit": 3 * self.files,
                                             "scan": self.files, "extract": self.files}.get(point, 4)
        return f"{point}:{rng.randint(1, max(1, scale))}", None

    def run(self, kills: int) -> HarnessResult:
        t0 = time.monotonic()
        self.corpus.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        build_corpus(self.corpus, self.files, self.rng)
        attempts = 0
        while self.result.kills < kills and attempts < kills * 3:
            attempts += 1
            if attempts > 1 and self.rng.random() < self.mutate_prob:
                for _ in range(self.rng.randint(1, 5)):
                    self.mutator.mutate()
            crash_at, external = self._plan()
            if self._run(crash_at, external) is None:
                break
        if not self.result.problems:
            for op in self.mutator.ops:  # the last run must cope with every kind of change at once
                self.mutator.mutate(op)
            if self._run(expect_kill=False) == 0:  # the run that completes
                self.result.problems.extend(
                    f"after the final run: {p}" for p in verify(self.home, self.corpus, self.model_id,
                                                                self.exact_limit, self.result))
                self._run(expect_kill=False)  # a restart with nothing changed must do nothing
                idle_embeds = self._embedded_by_run().get(self.run_no, [])
                if idle_embeds:
                    self.result.problems.append(
                        f"a restart with nothing changed embedded {len(idle_embeds)} texts again")
        self.result.runs = self.run_no
        self.result.mutations = self.mutator.done
        self._account()
        self.result.problems.extend(verify(self.home, self.corpus, self.model_id, self.exact_limit, self.result))
        self.result.seconds = time.monotonic() - t0
        return self.result

    def _embedded_by_run(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        if self.log.exists():
            for line in self.log.read_text(encoding="ascii").splitlines():
                run, _, h = line.partition(" ")
                if h:
                    out.setdefault(int(run), []).append(h)
        return out

    def _account(self) -> None:
        by_run = self._embedded_by_run()
        res = self.result
        res.embedded_total = sum(len(v) for v in by_run.values())
        res.distinct_embedded = len({h for v in by_run.values() for h in v})
        for run, hashes in sorted(by_run.items()):
            before = self.before.get(run, set())
            after = self.after.get(run, set())
            counts = Counter(hashes)
            res.finished_reembedded += sum(1 for h in hashes if h in before)
            res.finished_reembedded += sum(c - 1 for h, c in counts.items() if c > 1 and h not in before)
            lost = set(hashes) - after
            if run in self.killed_runs:
                res.in_flight += len(lost)
                res.max_in_flight = max(res.max_in_flight, len(lost))
                if len(lost) > self.batch:
                    res.problems.append(f"run {run}: {len(lost)} embedded texts lost at the kill (> one batch)")
            elif lost:
                res.problems.append(f"run {run} finished but {len(lost)} embedded texts were never stored")


def verify(home: Path, corpus: Path, model_id: str, exact_limit: int, res: HarnessResult) -> list[str]:
    """Check every invariant; returns the problems found (empty when consistent)."""
    from finder.core import extract as extraction
    from finder.core.indexer import text_hash as th
    from finder.core.service import FinderService
    from finder.core.store.db import fs_key
    from finder.core.store.vectors import VectorIndex

    problems: list[str] = []
    conn = sqlite3.connect(home / "catalog.sqlite3", timeout=30)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchall()
        if ok != [("ok",)]:
            problems.append(f"integrity_check: {ok[:5]}")
        for table in ("chunks_fts", "names_fts"):
            try:
                conn.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{table} integrity-check: {exc}")
        rows = conn.execute("SELECT id, path, status, error, content_hash FROM files").fetchall()
        on_disk = {fs_key(p) for p in corpus_files(corpus) if extraction.is_supported(p)}
        in_cat = Counter(r[1] for r in rows)
        dup = [k for k, c in in_cat.items() if c > 1]
        if dup:
            problems.append(f"{len(dup)} paths twice in files: {dup[:3]}")
        lost = on_disk - set(in_cat)
        if lost:
            problems.append(f"{len(lost)} files on disk missing from the catalog: {sorted(lost)[:3]}")
        ghosts = set(in_cat) - on_disk
        if ghosts:
            problems.append(f"{len(ghosts)} catalog files not on disk: {sorted(ghosts)[:3]}")
        for fid, path, status, error, chash in rows:
            if status == "indexed":
                try:
                    doc = extraction.extract(Path(os.fsdecode(path)))
                except Exception as exc:  # noqa: BLE001 - reported as a problem
                    problems.append(f"{path!r} indexed but does not extract now: {exc}")
                    continue
                if th(doc.text) != chash:
                    problems.append(f"{path!r}: catalog content differs from the file on disk (stale chunks)")
            elif status in ("skipped", "failed") and error:
                pass
            else:
                problems.append(f"{path!r} has status {status!r} ({error!r}) after the final run")
        chunk_rows = conn.execute("SELECT id, file_id, ordinal FROM chunks ORDER BY file_id, ordinal").fetchall()
        file_ids = {r[0] for r in rows}
        ords: dict[int, list[int]] = {}
        for cid, fid, ordinal in chunk_rows:
            ords.setdefault(fid, []).append(ordinal)
            if fid not in file_ids:
                problems.append(f"chunk {cid} belongs to no file")
        for fid, seq in ords.items():
            if seq != list(range(len(seq))):
                problems.append(f"file {fid} has chunk ordinals {seq[:10]}")
        indexed_ids = {r[0] for r in rows if r[2] == "indexed"}
        empty = [fid for fid in indexed_ids if fid not in ords]
        if empty:
            problems.append(f"{len(empty)} indexed files without chunks")
        chunk_ids = {r[0] for r in chunk_rows}
        fts_ids = {r[0] for r in conn.execute("SELECT rowid FROM chunks_fts")}
        if fts_ids != chunk_ids:
            problems.append(f"chunks_fts rowids differ from chunk ids: {len(fts_ids - chunk_ids)} extra, "
                            f"{len(chunk_ids - fts_ids)} missing")
        name_ids = {r[0] for r in conn.execute("SELECT rowid FROM names_fts")}
        want_names = {r[0] for r in rows if r[2] != "skipped"}
        if not want_names <= name_ids or not name_ids <= file_ids:
            problems.append(f"names_fts out of step: {len(want_names - name_ids)} missing, "
                            f"{len(name_ids - file_ids)} orphans")
        need = {r[0] for r in conn.execute(
            "SELECT DISTINCT c.text_hash FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.status='indexed'")}
        vec_rows = conn.execute("SELECT id, text_hash FROM vectors WHERE model_id=?", (model_id,)).fetchall()
        per_hash = Counter(h for _i, h in vec_rows)
        missing = need - set(per_hash)
        if missing:
            problems.append(f"{len(missing)} chunk texts of indexed files have no vector")
        if any(c > 1 for c in per_hash.values()):
            problems.append("a text hash has more than one vector row")
        sql_ids = {r[0] for r in vec_rows}
        res.final_files, res.final_chunks, res.final_vectors = len(rows), len(chunk_rows), len(vec_rows)
    finally:
        conn.close()

    provider = CrashHashProvider() if model_id == HASH_MODEL_ID else None
    service = FinderService(home=home, provider=provider)  # type: ignore[arg-type]
    try:
        index = VectorIndex(service.catalog, model_id, service.provider().dimension, home / "index",
                            exact_limit=exact_limit)
        index.load()
        res.graph_mode = index.uses_graph
        res.rebuilt_on_load = index.rebuilt
        if index.uses_graph:
            labels = {int(x) for x in index._hnsw.get_ids_list()}  # type: ignore[union-attr]
        else:
            labels = {int(x) for x in index._ids[: index._n]}
        if labels != sql_ids:
            problems.append(f"vector index labels differ from SQLite: {len(labels - sql_ids)} extra, "
                            f"{len(sql_ids - labels)} missing")
        if index.rebuilt:
            problems.append("the vector index saved by the clean final run had to be rebuilt on load")
        reader = service.catalog.reader()
        firsts = reader.execute(
            "SELECT f.display, c.text FROM files f JOIN chunks c ON c.file_id=f.id AND c.ordinal=0 "
            "WHERE f.status='indexed'").fetchall()
        for display, text in firsts:
            query = " ".join(re.findall(r"\w+", text)[:8])
            hits = service.search(query, limit=len(firsts) + 5, mode="lexical")
            found = {h.path for h in hits} | {d for h in hits for d in getattr(h, "duplicates", [])}
            if display not in found:
                problems.append(f"keyword search for its first words does not find {display}")
    finally:
        service.close()
    return problems


def run_harness(work: Path, *, kills: int, seed: int, files: int, provider: str = "hash",
                exact_limit: int = 40, batch_delay: float = 0.02, run_timeout: float = 120.0,
                ops: Sequence[str] = OPS) -> HarnessResult:
    return Harness(work, files=files, seed=seed, provider=provider, exact_limit=exact_limit,
                   batch_delay=batch_delay, run_timeout=run_timeout, ops=ops).run(kills)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="number of SIGKILLs before the final run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--provider", choices=("hash", "local"), default="hash",
                        help="hash: fast test embedder; local: the real USE model (keep --files small)")
    parser.add_argument("--exact-limit", type=int, default=40, help="vectors before hnswlib takes over")
    parser.add_argument("--ops", default=",".join(OPS), help="file operations between runs (comma-separated)")
    parser.add_argument("--work", help="keep the corpus and catalog here (default: a temp folder)")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        return driver_main(args)
    with tempfile.TemporaryDirectory(prefix="finder-crash-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        res = run_harness(work, kills=args.runs, seed=args.seed, files=args.files, provider=args.provider,
                          exact_limit=args.exact_limit, ops=[o for o in args.ops.split(",") if o])
        print(res.table())
        print(json.dumps({"kills": res.kills, "inconsistencies": len(res.problems),
                          "finished_reembedded": res.finished_reembedded}))
    return 0 if not res.problems and res.finished_reembedded == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
