"""`python -m knowledge …` — see knowledge/cli.py."""

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from knowledge.cli import main  # noqa: E402

sys.exit(main())
