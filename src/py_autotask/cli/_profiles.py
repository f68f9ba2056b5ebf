"""Where the command line finds credentials: options, environment, a profile file, the system keyring.

Precedence, per setting: a command-line option; then the profile named by `--profile`/`AUTOTASK_PROFILE`;
then the `AUTOTASK_*` environment variables; then the default profile of the config file (its
`default_profile` key, else a profile called `default`).

The profile file is TOML, at `platformdirs.user_config_dir("py-autotask")/config.toml` unless `--config`
or `AUTOTASK_CONFIG` names another::

    default_profile = "prod"

    [profiles.prod]
    username = "api-user@example.com"
    integration_code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ1"
    secret = "keyring"            # look the secret up in the system keyring (the `keyring` extra)
    # base_url = "https://webservices15.autotask.net/ATServicesRest/"   (else: zone discovery)
    # impersonation_resource_id = 29682885

Python 3.11+ reads it with the standard library's `tomllib`; Python 3.10 with `tomli`, the same parser
published separately (the `cli` extra installs it there). Both read all of TOML 1.0.

Keyring entries live under the service name "py-autotask" and the username:
`keyring set py-autotask api-user@example.com`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .._exceptions import ConfigurationError

__all__ = ["KEYRING_SERVICE", "Settings", "config_path", "load_config", "resolve_settings"]

KEYRING_SERVICE = "py-autotask"
_FIELDS = ("username", "secret", "integration_code", "base_url", "impersonation_resource_id")
_ENV = {
    "username": "AUTOTASK_USERNAME",
    "secret": "AUTOTASK_SECRET",
    "integration_code": "AUTOTASK_INTEGRATION_CODE",
    "base_url": "AUTOTASK_BASE_URL",
    "impersonation_resource_id": "AUTOTASK_IMPERSONATION_RESOURCE_ID",
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Resolved connection settings; the secret never shows in a repr."""

    username: str
    secret: str = dataclasses.field(repr=False)
    integration_code: str = dataclasses.field(repr=False)
    base_url: str | None = None
    impersonation_resource_id: int | None = None
    source: str = ""  # where they came from, for `py-autotask test`
    zone_lookup_url: str | None = None  # where zoneInformation is asked when there is no base URL
    transport: Any = dataclasses.field(default=None, repr=False)  # in-process sandbox transport


def config_path(options: Mapping[str, Any], environ: Mapping[str, str]) -> Path:
    """The profile file: --config, else AUTOTASK_CONFIG, else the user config directory."""
    explicit = options.get("config") or environ.get("AUTOTASK_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("py-autotask")) / "config.toml"


def load_config(path: Path) -> dict[str, Any]:
    """The parsed profile file, or {} when it does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    toml = _toml_module()
    try:
        return toml.loads(raw.decode("utf-8"))
    except ValueError as exc:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigurationError(f"cannot read the profile file {path}: {exc}") from None


def _toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli
    except ImportError:
        raise ConfigurationError(
            "reading a profile file on Python 3.10 needs tomli: pip install 'py-autotask[cli]'"
        ) from None
    return tomli


def _profile(config: Mapping[str, Any], name: str, path: Path) -> dict[str, Any]:
    profiles = config.get("profiles") or {}
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigurationError(f"no profile {name!r} in {path} (profiles: {known})")
    return dict(profiles[name])


def resolve_settings(options: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Merge options, the chosen profile, the environment and the default profile; fetch keyring secrets."""
    path = config_path(options, environ)
    config = load_config(path)
    explicit_name = options.get("profile") or environ.get("AUTOTASK_PROFILE")
    explicit = _profile(config, explicit_name, path) if explicit_name else {}
    default_name = config.get("default_profile") or ("default" if "default" in config.get("profiles", {}) else None)
    default = _profile(config, default_name, path) if default_name and not explicit_name else {}

    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    sources: list[str] = []
    layers = [
        ("options", {k: options.get(k) for k in _FIELDS}),
        (f"profile {explicit_name!r}", explicit),
        ("environment", {k: environ.get(v) for k, v in _ENV.items()}),
        (f"profile {default_name!r}", default),
    ]
    for label, layer in layers:
        for key in _FIELDS:
            if values.get(key) in (None, "") and layer.get(key) not in (None, ""):
                values[key] = layer[key]
                origin[key] = label
                if label not in sources:
                    sources.append(label)

    username = str(values.get("username") or "")
    secret = values.get("secret")
    if options.get("secret_from_keyring") or secret == "keyring":
        secret = _keyring_secret(username)
    elif origin.get("secret", "").startswith("profile"):
        _warn_if_exposed(path)
    missing = [name for name in ("username", "secret", "integration_code") if not values.get(name) and not
               (name == "secret" and secret)]
    if missing:
        flags = ", ".join("--" + m.replace("_", "-") for m in missing)
        envs = ", ".join(_ENV[m] for m in missing)
        raise ConfigurationError(
            f"missing Autotask credentials ({flags}): pass them as options, set {envs}, "
            f"add a profile to {path}, or try --sandbox"
        )
    impersonate = values.get("impersonation_resource_id")
    try:
        impersonate_id = int(impersonate) if impersonate not in (None, "") else None
    except (TypeError, ValueError):
        raise ConfigurationError(f"impersonation_resource_id must be an integer, not {impersonate!r}") from None
    return Settings(
        username=username,
        secret=str(secret),
        integration_code=str(values["integration_code"]),
        base_url=str(values["base_url"]) if values.get("base_url") else None,
        impersonation_resource_id=impersonate_id,
        source=", ".join(sources),
        zone_lookup_url=environ.get("AUTOTASK_ZONE_LOOKUP_URL") or None,
    )


def _warn_if_exposed(path: Path) -> None:
    """Say so when the profile file holding a plaintext secret can be read by other users."""
    if os.name != "posix":
        return  # Windows ACLs do not map to mode bits; the user profile directory is private by default
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        click.echo(
            f"warning: {path} holds a plaintext secret and is readable by other users (mode {mode:04o}); "
            f"run `chmod 600 {path}` or keep the secret in the keyring (secret = \"keyring\")",
            err=True,
        )


def _keyring_secret(username: str) -> str:
    if not username:
        raise ConfigurationError("the keyring lookup needs a username (--username, AUTOTASK_USERNAME or a profile)")
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise ConfigurationError(
            "the secret is to come from the system keyring, but keyring is not installed: "
            "pip install 'py-autotask[keyring]'"
        ) from None
    try:
        secret = keyring.get_password(KEYRING_SERVICE, username)
    except KeyringError as exc:
        raise ConfigurationError(f"the system keyring could not be read: {exc}") from None
    if not secret:
        raise ConfigurationError(
            f"no secret in the system keyring for service {KEYRING_SERVICE!r} and user {username!r} "
            f"(store one with: keyring set {KEYRING_SERVICE} {username})"
        )
    return secret
