"""`python -m borderless shop init|check|nlu …` — see borderless/cli.py."""

from borderless.cli import main

raise SystemExit(main())
