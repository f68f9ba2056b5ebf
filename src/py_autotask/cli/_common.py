"""What every command shares: exit codes, error reporting, the app context (credentials, client, sandbox).

Exit codes (one table, also printed in `py-autotask --help`):

    0    success, all of it
    1    unexpected error (a bug, or a local file problem); also: the `cli` extra is not installed
    2    usage: bad option, unknown entity or field, unparsable filter (click's own code)
    3    credentials missing or refused, or the API user lacks the permission
    4    Autotask or the network failed a request (after the client's retries)
    5    partial failure: the command finished but part of its work failed (see its summary)
    6    limits: the hourly request threshold or our budget is used up, or a circuit is open —
         try again later (an export continues with --resume)
    130  interrupted (Ctrl-C or SIGTERM); an export continues with --resume

Only click is imported at module level; httpx, rich and the client load when a command needs them, so
`py-autotask --help` stays fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import sys
import threading
from datetime import timezone
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    AutotaskError,
    CircuitOpenError,
    ConfigurationError,
    PermissionDeniedError,
    QuerySyntaxError,
    RateLimitError,
    ThresholdBudgetExceeded,
    UnsupportedOperationError,
    ValidationError,
)
from ._profiles import Settings, resolve_settings

if TYPE_CHECKING:
    from rich.console import Console

    from .._client import AutotaskClient

__all__ = [
    "EXIT_CODE_HELP",
    "AppContext",
    "CommandFailed",
    "SANDBOX_INSTALL_HINT",
    "STOPPING",
    "ExitCode",
    "Interrupted",
    "describe_error",
    "exit_code_for",
    "fail",
    "flush_stdout",
    "interruptible_sleep",
    "nothing_answers",
    "pass_app",
    "quiet_library_notices",
    "report_failure",
    "silence_stdout",
    "stderr_console",
    "stdout_console",
]


# The sandbox is its own distribution (autotask-sandbox); the CLI imports it only for --sandbox / sandbox serve.
SANDBOX_INSTALL_HINT = "pip install 'py-autotask[sandbox]' (or autotask-sandbox)"


class ExitCode(enum.IntEnum):
    """The process exit codes of every command (see the module docstring)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    API = 4
    PARTIAL = 5
    LIMIT = 6
    INTERRUPTED = 130


EXIT_CODE_HELP = (
    "Exit codes: 0 success; 1 unexpected error; 2 usage (bad option, entity, field or filter); "
    "3 credentials missing/refused or no permission; 4 Autotask or network error (also: nothing or no "
    "Autotask at --base-url); 5 partial failure; 6 request threshold/budget used up or a circuit open (retry "
    "later, export: --resume); "
    "130 interrupted (export: --resume)."
)


class CommandFailed(Exception):
    """How a command ends with a non-zero exit code: raised, never `sys.exit()`, so that `report_failure`
    is the one place that reports failures and chooses exit codes.

    `message` is one actionable line for stderr; None when the command has already reported (a summary).
    """

    def __init__(self, message: str | None = None, exit_code: int = ExitCode.ERROR) -> None:
        super().__init__(message or "")
        self.message = message
        self.exit_code = int(exit_code)

    def report(self) -> None:
        """Print `py-autotask: error: <message>` on stderr (nothing when already reported)."""
        if self.message:
            click.echo(f"py-autotask: error: {self.message}", err=True)


class Interrupted(CommandFailed):
    """Ctrl-C or SIGTERM (exit code 130); `hint` says how to continue, e.g. with --resume."""

    def __init__(self, hint: str = "") -> None:
        super().__init__("interrupted" + (f" — {hint}" if hint else ""), ExitCode.INTERRUPTED)

    def report(self) -> None:
        """Print `py-autotask: interrupted[ — hint]` on stderr."""
        click.echo(f"py-autotask: {self.message}", err=True)


#: Set when Ctrl-C or SIGTERM arrives (`py_autotask.cli.main`). Python interrupts only the main thread;
#: the client's sleeps (pacing for the hourly threshold, retry back-off: seconds to minutes each) run in
#: an export's worker threads too, and the run could not end before they do.
STOPPING = threading.Event()


def interruptible_sleep(seconds: float) -> None:
    """The command line client's sleep: ends at once, raising KeyboardInterrupt, when the run is stopped."""
    if STOPPING.wait(seconds):
        raise KeyboardInterrupt


def fail(message: str, exit_code: int = ExitCode.ERROR) -> NoReturn:
    """Stop the command with `message` on stderr and `exit_code`."""
    raise CommandFailed(message, exit_code)


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an exception that ended a command."""
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):
        return ExitCode.INTERRUPTED
    if isinstance(exc, (CommandFailed, click.ClickException)):
        return exc.exit_code
    if isinstance(exc, AutotaskError) and isinstance(exc, ValueError):
        return ExitCode.USAGE  # what was given is wrong (a filter, a record, an input file), not the credentials
    if isinstance(exc, CircuitOpenError) and exc.unreachable:
        return ExitCode.API  # nothing answers at that address: the network or --base-url, not a limit
    if isinstance(exc, (ConfigurationError, AuthenticationError, PermissionDeniedError)):
        return ExitCode.AUTH
    if isinstance(exc, (ThresholdBudgetExceeded, CircuitOpenError, RateLimitError)):
        return ExitCode.LIMIT
    if isinstance(exc, (QuerySyntaxError, UnsupportedOperationError, ValidationError)):
        return ExitCode.USAGE
    if isinstance(exc, (APIStatusError, APIConnectionError)):
        return ExitCode.API
    return ExitCode.ERROR


_HINTS: list[tuple[type[BaseException], str]] = [
    (AuthenticationError, "check the username, secret and integration code (options, AUTOTASK_* or --profile)"),
    (PermissionDeniedError, "the API user's security level does not allow this"),
    (ThresholdBudgetExceeded, "wait for the hourly window to roll over, then retry (export: --resume)"),
    (RateLimitError, "Autotask is throttling this integration; retry later (export: --resume)"),
    (CircuitOpenError, "the endpoint keeps failing; retry in a minute (export: --resume)"),
    (APIConnectionError, "check the network and --base-url"),
]


def describe_error(exc: BaseException) -> str:
    """One line for stderr: Autotask's own message where the API sent one, plus what to do about it."""
    if isinstance(exc, APIStatusError) and nothing_answers(exc):
        # Autotask answers in JSON; an HTML page comes from some other web server (or a wrong path on it).
        return _one_line(f"{_origin_of(exc.url)} answered {exc.status_code} to {exc.method} {_path_of(exc.url)} "
                         f"with an HTML page ({exc.message or 'untitled'}), not Autotask's JSON — check --base-url "
                         "(an Autotask API root looks like https://webservicesNN.autotask.net/ATServicesRest/)")
    if isinstance(exc, CircuitOpenError) and exc.unreachable:
        return _one_line(f"{exc.last_error or 'no connection'} — check the network and --base-url")
    if isinstance(exc, APIStatusError):
        message = exc.message or "(no message in the response body)"
        text = f"Autotask answered {exc.status_code} to {exc.method} {_path_of(exc.url)}: {message}"
    elif isinstance(exc, KeyboardInterrupt):
        text = "interrupted"
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.strerror or exc}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
    for kind, hint in _HINTS:
        if isinstance(exc, kind):
            return f"{_one_line(text)} — {hint}"
    return _one_line(text)


def nothing_answers(exc: BaseException | None) -> bool:
    """The failure says --base-url reaches no Autotask (nothing listens, no network, some other web server):
    no entity or record is to blame, so one line says it once."""
    if isinstance(exc, CircuitOpenError):
        return exc.unreachable
    if isinstance(exc, APIStatusError):
        # An HTML "no such page / method": a wrong host or path. (Autotask's own 5xx may come as an HTML
        # error page too; those keep their usual line.)
        return exc.status_code in (404, 405, 501) and isinstance(exc.body, str) and "<" in exc.body
    return isinstance(exc, APIConnectionError)


def _path_of(url: str) -> str:
    # The path names the entity and the operation; the host only makes the line longer.
    marker = url.find("/V1.0/")
    if marker < 0:
        marker = url.lower().find("/v1.0/")
    return url[marker:].split("?", 1)[0] if marker >= 0 else url


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else url


def _one_line(text: str) -> str:
    # A QuerySyntaxError carries a caret diagram on extra lines: keep it, it is the actionable part.
    return text if "\n  " in text else " ".join(text.split())


# --- consoles (rich loads on first use only) ---------------------------------------------------------


def stderr_console() -> Console:
    """A rich console on stderr (progress, tables of diagnostics, summaries)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """A rich console on stdout (tables meant for a person at a terminal)."""
    from rich.console import Console

    # Piped, there is no terminal width to respect: a wide page beats cells cut off with "…".
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


# --- the context every command receives -------------------------------------------------------------


@dataclasses.dataclass
class AppContext:
    """The root options plus the lazily built client; closed when the command ends."""

    options: dict[str, Any] = dataclasses.field(repr=False)  # holds --secret / --integration-code as typed
    verbose: int = 0
    _stack: contextlib.ExitStack = dataclasses.field(default_factory=contextlib.ExitStack)
    _client: Any = None
    _settings: Settings | None = None
    sandbox: Any = None  # the embedded Sandbox when --sandbox is given

    def close(self) -> None:
        """Close the client and stop the embedded sandbox."""
        self._stack.close()

    def settings(self) -> Settings:
        """Credentials and connection settings from options, environment, profile and keyring."""
        if self._settings is None:
            if self.options.get("sandbox"):
                self._settings = self._start_sandbox()
            else:
                self._settings = resolve_settings(self.options, os.environ)
        return self._settings

    def client(self) -> AutotaskClient:
        """The one AutotaskClient of this command (built on first use)."""
        if self._client is None:
            from .._client import AutotaskClient

            settings = self.settings()
            kwargs: dict[str, Any] = {
                "sleep": interruptible_sleep,
                "username": settings.username,
                "secret": settings.secret,
                "integration_code": settings.integration_code,
                "base_url": settings.base_url,
                "impersonation_resource_id": settings.impersonation_resource_id,
            }
            if settings.transport is not None:
                kwargs["transport"] = settings.transport
            if settings.zone_lookup_url:
                kwargs["zone_lookup_url"] = settings.zone_lookup_url
            self._client = self._stack.enter_context(AutotaskClient(**kwargs))
        return self._client

    def _start_sandbox(self) -> Settings:
        try:
            from autotask_sandbox import Sandbox, SandboxConfig
        except ImportError:
            fail(f"--sandbox needs the sandbox: {SANDBOX_INSTALL_HINT}", ExitCode.USAGE)

        now = self.options.get("sandbox_now")
        config = SandboxConfig(seed=int(self.options.get("sandbox_seed") or 1),
                               tickets=int(self.options.get("sandbox_tickets") or 2000),
                               now=now.replace(tzinfo=timezone.utc) if now else None)
        self.sandbox = Sandbox(config)
        creds = self.sandbox.credentials
        common = {"username": creds["username"], "secret": creds["secret"],
                  "integration_code": creds["integration_code"], "source": "embedded sandbox"}
        server = self._stack.enter_context(self.sandbox.serve(host="127.0.0.1", port=0))
        # The tenant is found through zoneInformation, as a real one is.
        return Settings(**common, zone_lookup_url=server.zone_lookup_url)


pass_app = click.make_pass_decorator(AppContext)


def _keep_unless_circuit_notice(record: Any) -> bool:
    return not str(record.msg).startswith("circuit for ")


def quiet_library_notices(quiet: bool) -> None:
    """While a command runs without -v, drop the breaker's "circuit … opened" log lines: the command
    reports the failure itself, as one line with its exit code (with -v they show, with the traceback)."""
    import logging

    logger = logging.getLogger("py_autotask.limits")
    if quiet and _keep_unless_circuit_notice not in logger.filters:
        logger.addFilter(_keep_unless_circuit_notice)
    elif not quiet:
        logger.removeFilter(_keep_unless_circuit_notice)


def report_failure(exc: BaseException, verbose: int) -> int:
    """Say on stderr why a command failed (one line; the traceback too under -v) and return its exit code.

    The click app calls this for every exception a command raises (`LazyGroup.invoke`): the one place
    where failures become exit codes.
    """
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):  # click.Abort: what click makes of Ctrl-C
        exc = Interrupted()
    if isinstance(exc, CommandFailed):
        exc.report()
    elif isinstance(exc, click.ClickException):  # usage errors: click's own message and code 2
        exc.show()
    elif isinstance(exc, BrokenPipeError):
        # The reader of stdout went away (`… | head`): it has all it wanted, so this is a success, and a
        # quiet one (`cat` ends the same way, by SIGPIPE, which Python ignores).
        silence_stdout()
        return ExitCode.OK
    else:  # the last line of defence for anything else: one clear line instead of a bare traceback
        _print_failure(exc, verbose, unexpected=not isinstance(exc, (AutotaskError, OSError)))
    return exit_code_for(exc)


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone, so the flush at exit cannot fail again.

    The recipe of https://docs.python.org/3/library/signal.html#note-on-sigpipe.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def flush_stdout() -> None:
    """Flush stdout before exiting; a reader that has gone (`… | head`) is no failure (see silence_stdout)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except (OSError, ValueError):  # stdout closed or detached: nothing left to flush
        pass


def _print_failure(exc: BaseException, verbose: int, *, unexpected: bool = False) -> None:
    if verbose:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    line = describe_error(exc)
    if unexpected:
        line = f"unexpected {type(exc).__name__}: {line}"
        if not verbose:
            line += " (run with -v for the traceback)"
    click.echo(f"py-autotask: error: {line}", err=True)
