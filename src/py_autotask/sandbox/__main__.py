"""``python -m py_autotask.sandbox serve [--host …] [--port …] …`` (see :func:`.server.main`)."""

from __future__ import annotations

import sys

from .server import main

if __name__ == "__main__":
    sys.exit(main())
