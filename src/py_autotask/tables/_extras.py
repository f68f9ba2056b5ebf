"""Optional dependencies of the tables layer: imported on first use, with an install hint when missing."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["MissingExtraError", "require"]

_PACKAGES = {"pyarrow": "pyarrow", "pandas": "pandas", "polars": "polars"}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs the {package!r} package: pip install 'py-autotask[{extra}]'")
        self.package = package
        self.extra = extra


def require(module: str, extra: str, purpose: str) -> Any:
    """Import `module` (e.g. "pyarrow"), or raise MissingExtraError naming `extra`."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name and exc.name.split(".")[0] == top:
            raise MissingExtraError(_PACKAGES.get(top, top), extra, purpose) from exc
        raise
