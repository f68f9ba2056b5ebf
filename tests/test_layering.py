"""Layering that imports alone cannot show (the import contracts are in pyproject.toml, run by `make lint`).

- Only the command lines print: no `print()`, `sys.stdout/stderr.write` or rich outside `py_autotask.cli`,
  the demo and the sandbox's own `drivers/cli.py`; libraries log or return.
- Engines (every public subpackage that is not the CLI, a cache or a limiter) reach the client only
  through its public surface: no private attribute of the client's drivers, and each of them is named in
  the import contract that keeps them off the drivers and `_core`.
- `_core` builds requests and reads responses with httpx's data types, but holds no client or transport.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "src" / "py_autotask"
SANDBOX = ROOT / "sandbox" / "src" / "autotask_sandbox"

# Where printing is the job: the two command lines and the demo.
PRINTERS = {CLIENT / "cli", CLIENT / "demo.py", SANDBOX / "drivers" / "cli.py"}
# Public subpackages that are part of the client rather than engines built on it.
CLIENT_PARTS = {"cli", "cache", "limits"}
# The modules whose private attributes are the client's privates.
DRIVERS = ["_client.py", "_async_client.py", "_entity.py", "_pagination.py", "_core/base.py"]
# Known reaches into the client's privates, to be removed by the change that gives them a public surface.
ALLOWED_REACHES: dict[str, set[str]] = {}


def _modules(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_printer(path: Path) -> bool:
    return any(path == p or p in path.parents for p in PRINTERS)


def _output_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                yield node.lineno, "print()"
            elif (isinstance(func, ast.Attribute) and func.attr == "write" and isinstance(func.value, ast.Attribute)
                  and func.value.attr in ("stdout", "stderr") and isinstance(func.value.value, ast.Name)
                  and func.value.value.id == "sys"):
                yield node.lineno, f"sys.{func.value.attr}.write()"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rich":
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "rich":
            yield node.lineno, f"from {node.module} import"


def test_only_the_command_lines_print() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for root in (CLIENT, SANDBOX) for path in _modules(root) if not _is_printer(path)
             for line, what in _output_calls(_tree(path))]
    assert found == [], "libraries log or return; printing belongs to the command lines:\n" + "\n".join(found)


def _engines() -> list[str]:
    return sorted(p.name for p in CLIENT.iterdir()
                  if (p / "__init__.py").exists() and not p.name.startswith("_") and p.name not in CLIENT_PARTS)


def _client_privates() -> set[str]:
    names = set()
    for module in DRIVERS:
        path = CLIENT / module
        if not path.exists():
            continue
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                names.add(node.attr)
    return names


def test_engines_reach_the_client_only_through_its_public_surface() -> None:
    privates = _client_privates()
    assert {"_runtime", "_config"} <= privates  # the scan reads the drivers it means to
    found = []
    for engine in _engines():
        for path in _modules(CLIENT / engine):
            allowed = ALLOWED_REACHES.get(str(path.relative_to(CLIENT)), set())
            for node in ast.walk(_tree(path)):
                name = None
                if (isinstance(node, ast.Attribute) and node.attr in privates
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                    name = node.attr
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                      and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                      and node.args[1].value in privates):
                    name = str(node.args[1].value)
                if name is not None and name not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert found == [], "engines use the client's public surface, not its privates:\n" + "\n".join(found)


def test_every_engine_is_held_to_the_import_contract() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    engines = next(c for c in contracts if c["name"].startswith("Engines"))
    covered = {m.removeprefix("py_autotask.") for m in engines["source_modules"]}
    assert set(_engines()) <= covered, f"add the new engine to the contract in pyproject.toml: {set(_engines()) - covered}"
    assert {"export", "bulk"} <= set(_engines())


_TRANSPORTS = {"Client", "AsyncClient", "HTTPTransport", "AsyncHTTPTransport", "BaseTransport",
               "AsyncBaseTransport", "MockTransport", "WSGITransport", "ASGITransport"}


def test_core_holds_no_http_client_or_transport() -> None:
    found = []
    for path in _modules(CLIENT / "_core"):
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Attribute) and node.attr in _TRANSPORTS and isinstance(node.value, ast.Name)
                    and node.value.id == "httpx"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: httpx.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.module == "httpx":
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {a.name}" for a in node.names if a.name in _TRANSPORTS]
    assert found == [], "_core decides; the clients send:\n" + "\n".join(found)
