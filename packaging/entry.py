"""PyInstaller entry point: GUI with no arguments, CLI with a subcommand."""

from __future__ import annotations

from finder.__main__ import main

raise SystemExit(main())
