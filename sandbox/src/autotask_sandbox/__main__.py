"""``python -m autotask_sandbox serve [--host …] [--port …] …`` (the same as ``autotask-sandbox serve``)."""

from __future__ import annotations

import sys

from .drivers.cli import main

if __name__ == "__main__":
    sys.exit(main())
