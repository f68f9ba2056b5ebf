"""Implementation of `py_autotask.query`; import from there."""
