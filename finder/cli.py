"""Command line over the core: index, search, status, similar, forget, watch, provider."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from finder import __version__
from finder.core.errors import FinderError
from finder.core.search import SearchFilters
from finder.core.types import Hit, IndexStatus

if TYPE_CHECKING:
    from finder.core.service import FinderService

# Subcommands; `python -m finder` treats any other first argument as paths for the desktop app.
COMMANDS = ("index", "search", "similar", "status", "forget", "watch", "provider", "retry", "install-desktop")


@contextmanager
def _service() -> Iterator[FinderService]:
    """The core for one command, closed (vector cache saved) however the command ends."""
    from finder.core.service import FinderService

    service = FinderService()
    try:
        yield service
    finally:
        service.close()


class _Bars:
    """Progress on a terminal (rich), silence otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> _Bars:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                                      TimeRemainingColumn(), transient=False)
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)

    def __call__(self, p) -> None:  # type: ignore[no-untyped-def]
        if self._progress is None:
            return
        label = {"scan": "Scanning", "extract": "Keyword index", "embed": "Meaning index",
                 "refine": "English re-scoring"}.get(p.phase, p.phase)
        task = self._tasks.get(p.phase)
        if task is None:
            task = self._progress.add_task(label, total=p.total or None)
            self._tasks[p.phase] = task
        self._progress.update(task, completed=p.done, total=p.total or None)


def cmd_index(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            print(f"finder: {p} does not exist", file=sys.stderr)
            return 2
    if args.dry_run:
        from finder.core import extract as extraction
        from finder.core.config import load_settings
        from finder.core.scan import estimate

        est = estimate([p.resolve() for p in paths], load_settings(), is_supported=extraction.is_supported)
        data = {k: v for k, v in vars(est).items()}
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(f"{est.files} files, {est.bytes / 2**20:.1f} MB, about {est.est_chunks} passages")
            print(f"keyword-searchable in ~{est.est_seconds_keyword:.0f} s, "
                  f"meaning index in ~{est.est_seconds_embed / 60:.0f} min")
        return 0
    cancel = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancel.set())
    with _service() as service:
        try:
            with _Bars(sys.stderr.isatty() and not args.quiet) as bars:
                service.add_roots(paths) if paths else None
                service.scan([p.resolve() for p in paths] or None, cancel, bars)
                service.extract_pending(cancel, bars)
                if not args.no_wait and not cancel.is_set():
                    service.embed(cancel, bars, respect_pause=False)  # asked for now: pause is for the background
        except FinderError as exc:
            print(f"finder: {exc}", file=sys.stderr)
            return 1
        finally:
            st = service.status(error_limit=0)  # what was done is kept and reported either way
    if not args.quiet:
        print(f"{st.indexed} files indexed ({st.chunks} passages, {st.embedded_chunks} with meaning), "
              f"{st.skipped} skipped, {st.failed} failed", file=sys.stderr)
    return 130 if cancel.is_set() else 0


def _filters(args: argparse.Namespace) -> SearchFilters | None:
    kinds = frozenset(args.kind or ())
    folder = os.path.abspath(args.folder) if args.folder else None
    if not kinds and not folder:
        return None
    return SearchFilters(folder=folder, kinds=kinds)


def _print_hits(hits: list[Hit]) -> None:
    if not hits:
        print("no results")
    for i, hit in enumerate(hits, 1):
        page = f"  (page {hit.page})" if hit.page else ""
        print(f"{i:2}. {hit.path}{page}  [{'+'.join(hit.channels)} {hit.score:.4f}]")
        if hit.snippet:
            print(f"      {hit.snippet[:200]}")


def cmd_search(args: argparse.Namespace) -> int:
    filters = _filters(args)
    with _service() as service:
        if args.stdin:
            for line in sys.stdin:
                query = line.rstrip("\n")
                hits = service.search(query, args.limit, mode=args.mode, filters=filters) if query.strip() else []
                sys.stdout.write(json.dumps([h.to_json() for h in hits], ensure_ascii=False) + "\n")
                sys.stdout.flush()
            return 0
        hits = service.search(" ".join(args.query), args.limit, mode=args.mode, filters=filters)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
    else:
        _print_hits(hits)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    with _service() as service:
        hits = service.similar(Path(args.path), args.limit)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
    else:
        _print_hits(hits)
    return 0


def _print_status(st: IndexStatus) -> None:
    print(f"Folders:    {', '.join(st.roots) or '(none)'}")
    print(f"Files:      {st.indexed} indexed, {st.pending} pending, {st.skipped} skipped, {st.failed} failed")
    print(f"Passages:   {st.chunks} keyword-searchable, {st.embedded_chunks} with meaning")
    where = f"passages are sent to {st.endpoint}" if st.remote else "everything stays on this computer"
    print(f"Embedding:  {st.model_id} via {st.provider} ({where})")
    if st.eta_seconds:
        print(f"ETA:        meaning index complete in about {st.eta_seconds / 60:.1f} min")
    if st.paused:
        print("Indexing is paused.")
    if st.errors:
        print("Problems:")
        for path, status, reason in st.errors:
            print(f"  {status:8} {path}: {reason}")


def cmd_status(args: argparse.Namespace) -> int:
    with _service() as service:
        st = service.status()
    if args.json:
        print(json.dumps(st.to_json(), ensure_ascii=False))
    else:
        _print_status(st)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    with _service() as service:
        removed = service.forget(Path(args.path))
    print(f"forgot {removed} files under {os.path.abspath(args.path)}")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    with _service() as service:
        count = service.retry_failed()
        service.extract_pending()
    print(f"retried {count} files")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from finder.core.live import LiveIndex

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with _service() as service:
        if args.paths:
            service.add_roots([Path(p) for p in args.paths])
        if not service.settings.roots:
            print("finder: no folders to watch; pass some or run `finder index PATH` first", file=sys.stderr)
            return 2
        last = {"phase": ""}

        def progress(p) -> None:  # type: ignore[no-untyped-def]
            if p.phase != last["phase"] and not args.quiet:
                label = {"idle": "up to date", "scan": "checking folders", "extract": "keyword index",
                         "embed": "meaning index", "refine": "English re-scoring"}.get(p.phase, p.phase)
                print(f"[{time.strftime('%H:%M:%S')}] {label}", file=sys.stderr, flush=True)
            last["phase"] = p.phase

        live = LiveIndex(service, on_progress=progress,
                         on_notice=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True),
                         force_polling=args.polling)
        live.start()
        if not args.quiet:
            print(f"watching {', '.join(service.settings.roots)} (Ctrl+C to stop)", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            live.stop()
    return 0


def _remote_estimate() -> tuple[int, int]:
    """Passages and approximate tokens a remote re-index would send (private files excluded)."""
    from finder.core.fsutil import data_home
    from finder.core.store.db import CATALOG_FILE, Catalog

    if not (data_home() / CATALOG_FILE).exists():
        return 0, 0
    catalog = Catalog(data_home())
    try:
        row = catalog.reader().execute(
            "SELECT COUNT(DISTINCT c.text_hash), COALESCE(SUM(LENGTH(c.text)), 0) FROM chunks c "
            "JOIN files f ON f.id=c.file_id WHERE f.status='indexed' AND f.private=0").fetchone()
    finally:
        catalog.close()
    return int(row[0]), int(row[1]) // 4  # ~4 characters per token for English (CJK: ~1 per char)


def cmd_provider(args: argparse.Namespace) -> int:
    from finder.core.config import load_settings, save_settings
    from finder.core.embed.presets import apply_provider_choice, describe_provider

    try:
        settings = load_settings()
        if args.action == "set":
            if args.multimodal is not None:
                settings = settings.replace(multimodal=args.multimodal)
            new = apply_provider_choice(settings, args.name, base_url=args.base_url, model=args.model,
                                        dimensions=args.dimensions, api_key_env=args.api_key_env)
            describe_provider(new)  # validate everything before storing a key or the settings
            if args.api_key_stdin:
                from finder.core.keys import set_api_key

                key = sys.stdin.readline().strip()
                if not key:
                    print("finder: no API key on standard input", file=sys.stderr)
                    return 2
                where = set_api_key(args.name, key)
                print(f"API key stored in {where}", file=sys.stderr)
            info = describe_provider(new)  # validates before anything is saved
            save_settings(new)
            if info["remote"]:
                print("Note: with this provider, the text of your files is sent to "
                      f"{info['base_url']} to be embedded (secret-looking files never are).", file=sys.stderr)
                passages, tokens = _remote_estimate()
                if passages:
                    print(f"Re-indexing sends about {passages} passages (~{tokens:,} tokens) to it; "
                          "check the provider's price per token before `finder index`.", file=sys.stderr)
            print("The meaning index will be rebuilt in the background with this model; "
                  "the current one keeps answering until it is ready.", file=sys.stderr)
        info = describe_provider(load_settings())
    except FinderError as exc:
        print(f"finder: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(info, ensure_ascii=False))
    else:
        for key, value in info.items():
            print(f"{key:18} {value if value is not None else '-'}")
    return 0


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from finder import desktop

    try:
        if args.uninstall:
            paths = desktop.uninstall_desktop()
            print(f"removed {len(paths)} files (menu entry, icons, autostart)")
            return 0
        paths = desktop.install_desktop(autostart=args.autostart)
    except OSError as exc:
        print(f"finder: cannot install the menu entry: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finder", description="Find files by meaning (Semantic Finder).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("index", help="add folders or files and index them")
    p.add_argument("paths", nargs="*", help="folders or files (none: re-scan the known folders)")
    p.add_argument("--no-wait", action="store_true", help="return once keyword search works; embed later")
    p.add_argument("--dry-run", action="store_true", help="only show what would be indexed")
    p.add_argument("--json", action="store_true", help="with --dry-run: print JSON")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query", nargs="*")
    p.add_argument("--limit", "-n", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--stdin", action="store_true", help="one query per input line → one JSON array per line")
    p.add_argument("--mode", choices=["hybrid", "lexical", "vector"], default="hybrid")
    p.add_argument("--folder", help="only files under this folder")
    p.add_argument("--kind", action="append", help="only this kind (text, markdown, code, pdf, html, rst, data)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("similar", help="files closest in meaning to a file")
    p.add_argument("path")
    p.add_argument("--limit", "-n", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("status", help="what is indexed, pending and failed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("forget", help="remove a folder or file from the index")
    p.add_argument("path")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("watch", help="keep the index in step with the folders until stopped")
    p.add_argument("paths", nargs="*", help="folders to add before watching")
    p.add_argument("--polling", action="store_true", help="poll instead of OS notifications (network drives)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("provider", help="show or choose the embedding provider")
    psub = p.add_subparsers(dest="action", required=True)
    ps = psub.add_parser("show", help="the provider in use and where its key comes from")
    ps.add_argument("--json", action="store_true")
    ps = psub.add_parser("set", help="choose a provider: local, openai, dashscope, zhipu, gemini, ollama, …")
    ps.add_argument("name")
    ps.add_argument("--base-url")
    ps.add_argument("--model")
    ps.add_argument("--dimensions", type=int)
    ps.add_argument("--api-key-env", help="environment variable holding the API key")
    ps.add_argument("--api-key-stdin", action="store_true", help="read the API key from standard input and store it")
    ps.add_argument("--multimodal", action=argparse.BooleanOptionalAction, default=None,
                    help="also embed images and scanned PDFs (Gemini multimodal models)")
    ps.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_provider)

    p = sub.add_parser("install-desktop", help="add Semantic Finder to the applications menu (Linux)")
    p.add_argument("--autostart", action="store_true", help="also start it (in the tray) at login")
    p.add_argument("--uninstall", action="store_true", help="remove the menu entry, icons and autostart")
    p.set_defaults(func=cmd_install_desktop)

    p = sub.add_parser("retry", help="retry files that failed")
    p.set_defaults(func=cmd_retry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if args.command == "search" and not args.stdin and not args.query:
        parser.error("search needs a QUERY (or --stdin)")
    try:
        return int(args.func(args))
    except FinderError as exc:  # a known problem (bad path, catalog locked, provider down): one sentence
        print(f"finder: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
