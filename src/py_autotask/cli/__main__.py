"""`python -m py_autotask.cli` runs the command line (the same as the `py-autotask` script)."""

from . import main

main()
