"""`python -m finder`: the desktop app with no arguments, the CLI with a subcommand."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from finder.cli import COMMANDS

    # A subcommand (or --help/--version) means the CLI; paths ("Open with", %F) go to the app.
    if args and (args[0] in COMMANDS or args[0] in ("-h", "--help", "--version")):
        from finder.cli import main as cli_main

        return cli_main(args)
    try:
        from finder.gui.app import run
    except ImportError as exc:  # GUI not installed or no Qt libraries
        print(f"finder: the desktop app cannot start ({exc}); use the `finder` command line", file=sys.stderr)
        return 1
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
