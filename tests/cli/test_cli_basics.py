"""The command line without a server: lazy imports, the missing-extra hint, help, profiles, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from py_autotask._exceptions import (
    APIConnectionError,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
    PermissionDeniedError,
    QueryError,
    QuerySyntaxError,
    ThresholdBudgetExceeded,
    ThresholdExceededError,
    UnsupportedOperationError,
)
from py_autotask.cli._common import EXIT_CODE_HELP, ExitCode, describe_error, exit_code_for
from py_autotask.cli._profiles import load_config, resolve_settings

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                           env=full_env, timeout=60)


def test_importing_the_cli_loads_nothing_heavy() -> None:
    result = _python("""
        import sys
        import py_autotask.cli
        print(sorted(m for m in ("httpx", "rich", "pyarrow", "click", "openpyxl") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_help_loads_no_http_stack_and_lists_every_command() -> None:
    result = _python("""
        import sys
        from py_autotask.cli import main
        try:
            main(["--help"])
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        print("LOADED", sorted(m for m in ("httpx", "rich", "pyarrow") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    for command in ("export", "query", "count", "inspect", "entities", "test", "sandbox", "bulk"):
        assert f"  {command} " in result.stdout
    assert "Exit codes:" in result.stdout
    assert result.stdout.strip().endswith("LOADED []")


def test_missing_cli_extra_prints_the_install_hint() -> None:
    result = _python("""
        import sys
        sys.modules["click"] = None   # as if the cli extra were not installed
        from py_autotask.cli import main
        main(["--help"])
    """)
    assert result.returncode == 1
    assert "pip install 'py-autotask[cli]'" in result.stderr


@pytest.mark.parametrize("command", ["export", "query", "count", "inspect", "entities", "test"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from py_autotask.cli import main

    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "Usage: py-autotask " + command in capsys.readouterr().out


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (ConfigurationError("missing Autotask credentials"), ExitCode.AUTH),
        (AuthenticationError(401, ["bad secret"], method="GET", url="u"), ExitCode.AUTH),
        (PermissionDeniedError(500, ["no"], method="GET", url="u"), ExitCode.AUTH),
        (QuerySyntaxError("bad"), ExitCode.USAGE),
        (UnsupportedOperationError("unknown Autotask entity 'Tickts'"), ExitCode.USAGE),
        (QueryError(500, ["Unable to find foo in the Ticket Entity"], method="POST", url="u"), ExitCode.API),
        (InternalServerError(500, ["boom"], method="POST", url="u"), ExitCode.API),
        (APIConnectionError("connection refused"), ExitCode.API),
        (ThresholdExceededError(429, ["threshold"], method="POST", url="u"), ExitCode.LIMIT),
        (ThresholdBudgetExceeded("our share is used up"), ExitCode.LIMIT),
        (RuntimeError("bug"), ExitCode.ERROR),
    ],
)
def test_exit_code_table(exc: BaseException, code: int) -> None:
    assert exit_code_for(exc) == code
    assert str(int(code)) in EXIT_CODE_HELP


def test_error_line_carries_autotasks_message_and_a_hint() -> None:
    exc = QueryError(500, ["Unable to find foo in the Ticket Entity"], method="POST",
                     url="https://webservices15.autotask.net/ATServicesRest/V1.0/Tickets/query")
    assert describe_error(exc) == ("Autotask answered 500 to POST /V1.0/Tickets/query: "
                                   "Unable to find foo in the Ticket Entity")
    auth = AuthenticationError(401, ["Unauthorized"], method="GET", url="https://x/ATServicesRest/V1.0/Version")
    assert describe_error(auth).startswith("Autotask answered 401 to GET /V1.0/Version: Unauthorized — check")


# --- profiles ---------------------------------------------------------------------------------------------

PROFILE_FILE = """\
# a comment
default_profile = "prod"

[profiles.prod]
username = "api@example.com"
secret = "s3cr\\"et"
integration_code = 'CODE-1'   # literal string
impersonation_resource_id = 29682885

[profiles."other one"]
username = "other@example.com"
secret = "keyring"
integration_code = "CODE-2"
base_url = "http://127.0.0.1:9/ATServicesRest/"
"""


def test_profile_file_reads_all_of_toml(tmp_path: Path) -> None:
    # tomllib on 3.11+, tomli on 3.10 (tools/test_matrix.sh runs this there): floats, arrays, inline
    # tables and escapes parse the same on every supported Python.
    config = tmp_path / "config.toml"
    config.write_text(PROFILE_FILE + textwrap.dedent("""
        [profiles.tuned]
        timeout = 12.5
        entities = ["Tickets", "Companies"]
        limits = { pages = 3, ratio = 0.25 }
        secret = "p\u00e4ss\\\\w\u20acrd\\t!"
    """), encoding="utf-8")
    tuned = load_config(config)["profiles"]["tuned"]
    assert tuned == {"timeout": 12.5, "entities": ["Tickets", "Companies"], "limits": {"pages": 3, "ratio": 0.25},
                     "secret": "p\u00e4ss\\w\u20acrd\t!"}
    assert load_config(config)["profiles"]["prod"]["impersonation_resource_id"] == 29682885


def test_unreadable_profile_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.prod]\nusername = \"unterminated\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot read the profile file .*config.toml"):
        load_config(config)


def test_settings_precedence_options_profile_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(PROFILE_FILE)
    env = {"AUTOTASK_CONFIG": str(config), "AUTOTASK_USERNAME": "env@example.com"}
    # The environment beats the default profile ...
    settings = resolve_settings({}, env)
    assert (settings.username, settings.secret, settings.integration_code) == ("env@example.com", 's3cr"et', "CODE-1")
    assert settings.impersonation_resource_id == 29682885
    # ... an explicitly chosen profile beats the environment, and options beat everything.
    settings = resolve_settings({"profile": "prod", "integration_code": "OPT"}, env)
    assert (settings.username, settings.integration_code) == ("api@example.com", "OPT")
    assert "s3cr" not in repr(settings)


def test_keyring_secret_and_missing_credentials(tmp_path: Path) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store = {("py-autotask", "other@example.com"): "from-keyring"}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    config = tmp_path / "config.toml"
    config.write_text(PROFILE_FILE)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        settings = resolve_settings({"profile": "other one"}, {"AUTOTASK_CONFIG": str(config)})
        assert settings.secret == "from-keyring"
        assert settings.base_url == "http://127.0.0.1:9/ATServicesRest/"
        with pytest.raises(ConfigurationError, match="no secret in the system keyring"):
            resolve_settings({"username": "nobody@example.com", "secret_from_keyring": True,
                              "integration_code": "C"}, {"AUTOTASK_CONFIG": str(tmp_path / "none.toml")})
    finally:
        keyring.set_keyring(previous)
    with pytest.raises(ConfigurationError, match="AUTOTASK_SECRET"):
        resolve_settings({"username": "u"}, {"AUTOTASK_CONFIG": str(tmp_path / "none.toml")})
    with pytest.raises(ConfigurationError, match="no profile 'nope'"):
        resolve_settings({"profile": "nope"}, {"AUTOTASK_CONFIG": str(config)})


def test_missing_credentials_exit_3_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from py_autotask.cli import main

    for name in ("AUTOTASK_USERNAME", "AUTOTASK_SECRET", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOTASK_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(SystemExit) as exc:
        main(["count", "Tickets"])
    assert exc.value.code == ExitCode.AUTH
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("py-autotask: error: missing Autotask credentials")
    assert "Traceback" not in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from py_autotask.cli import main

    for args in (["export"], ["export", "Tickets", "-o", "-", "--format", "parquet"], ["count", "Tickts"],
                 ["export", "Tickets", "--filter", "status = = 1", "--sandbox"], ["nonsense"]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == ExitCode.USAGE, (args, capsys.readouterr())
    err = capsys.readouterr().err
    assert "did you mean Tickets" in err


def test_sandbox_serve_passes_its_arguments_through(capsys: pytest.CaptureFixture[str]) -> None:
    from py_autotask.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["sandbox", "serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--latency-ms" in out and "--tickets" in out


def test_app_context_repr_hides_the_secret_option() -> None:
    from py_autotask.cli._common import AppContext

    app = AppContext(options={"username": "u@example.com", "secret": "s3cr3t-from-the-command-line",
                              "integration_code": "CODE123"})
    try:
        assert "s3cr3t-from-the-command-line" not in repr(app)
        assert "CODE123" not in repr(app)
    finally:
        app.close()


def test_commands_end_by_raising_never_by_exiting() -> None:
    # One error path: commands raise (CommandFailed, Interrupted, the client's errors) and the click app
    # turns every exception into the table's exit code (LazyGroup.invoke); only main() leaves the process.
    import ast

    cli_dir = Path(SRC) / "py_autotask" / "cli"
    exits = set()
    for path in sorted(cli_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            for node in ast.walk(function):
                calls_exit = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                              and node.func.attr in ("exit", "_exit") and isinstance(node.func.value, ast.Name)
                              and node.func.value.id in ("sys", "os"))
                raises_exit = (isinstance(node, ast.Raise) and node.exc is not None
                               and "SystemExit" in ast.unparse(node.exc))
                if calls_exit or raises_exit:
                    exits.add(f"{path.name}:{getattr(function, 'name', '<module>')}")
    # Every exit is seen from the module and from its function; only main() may hold one.
    assert exits <= {"__init__.py:main", "__init__.py:<module>"}, exits
    assert "__init__.py:main" in exits


def test_a_profile_secret_readable_by_others_is_warned_about(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(PROFILE_FILE)
    config.chmod(0o644)
    resolve_settings({"profile": "prod"}, {"AUTOTASK_CONFIG": str(config)})
    warning = capsys.readouterr().err
    assert "readable by other users" in warning and "chmod 600" in warning and "s3cr" not in warning
    config.chmod(0o600)
    resolve_settings({"profile": "prod"}, {"AUTOTASK_CONFIG": str(config)})
    assert capsys.readouterr().err == ""
