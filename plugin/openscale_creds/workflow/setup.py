"""`setup`: log in, target, resolve the instance, create a key and write the credentials.

Everything that can be refused is refused before the key exists; once it exists it is written at
once (Ctrl-C held), or deleted, or named in the message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openscale_creds import credentials as creds_mod
from openscale_creds import secretfile
from openscale_creds.credentials import Credentials
from openscale_creds.errors import adding
from openscale_creds.ibmcloud import IbmCloud, validate_name
from openscale_creds.models import ApiKey, ServiceInstance, Target
from openscale_creds.rules import OPENSCALE_SERVICE
from openscale_creds.workflow.instances import resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
    discard_key,
    key_description,
    sigint_deferred,
)
from openscale_creds.workflow.login import LoginOptions, login
from openscale_creds.workflow.stored import load_if_readable
from openscale_creds.workflow.ui import Ui


@dataclass(frozen=True)
class SetupOptions:
    instance: str
    login: LoginOptions
    out: str  # a path, or "-" for stdout
    fmt: str
    key_name: str | None = None
    force: bool = False
    reuse_key: bool = False
    location: str | None = None


@dataclass(frozen=True)
class SetupResult:
    credentials: Credentials
    path: Path | None  # None when written to stdout
    created_key: bool
    text: str  # what was written


def setup(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    *,
    environ: Mapping[str, str],
    write_stdout: Callable[[str], None],
) -> SetupResult:
    _validate_names(opts)
    path = None if opts.out == "-" else Path(opts.out).expanduser()
    existing: Credentials | None = None
    if path is not None:
        if opts.reuse_key and path.exists() and not path.is_symlink():
            existing = load_if_readable(path)
        if existing is None:
            secretfile.check_target(path, force=opts.force)
    target, _ = login(cli, opts.login, ui, environ=environ, sso_when_needed=True)
    target = _target_group(cli, target, opts.login.group, ui)
    instance = _find_instance(cli, opts, ui)

    if existing is not None and existing.instance_guid == instance.guid:
        ui.info(f"Reusing the API key {existing.api_key_name or ''} already in {path}".replace("  ", " "))
        return SetupResult(existing, path, False, "")
    if existing is not None and path is not None:
        secretfile.check_target(path, force=opts.force)
    creds, text = _create_and_write(
        cli, opts, ui, instance, target, path, replace=existing is not None, write_stdout=write_stdout
    )
    return SetupResult(creds, path, True, text)


def _validate_names(opts: SetupOptions) -> None:
    # Refused before logging in: a name ibmcloud cannot take must not cost a login and a lookup first.
    validate_name("instance name", opts.instance)
    if opts.key_name is not None:
        validate_name("API key name", opts.key_name)
    if opts.location:
        validate_name("location", opts.location)


def _target_group(cli: IbmCloud, target: Target, group: str | None, ui: Ui) -> Target:
    if not group or (target.resource_group and target.resource_group == group):
        return target
    with ui.step(f"Targeting resource group {group}") as res:
        target = cli.target_group(group)
        res.result = target.resource_group or group
    return target


def _find_instance(cli: IbmCloud, opts: SetupOptions, ui: Ui) -> ServiceInstance:
    with ui.step(f"Finding service instance {opts.instance}") as res:
        instance = resolve_instance(cli, opts.instance, location=opts.location)
        res.result = f"{instance.name} ({instance.guid}, {instance.location or 'unknown region'})"
    if instance.service_name and instance.service_name != OPENSCALE_SERVICE:
        ui.warn(f"{instance.name} is a {instance.service_name} instance, not OpenScale ({OPENSCALE_SERVICE})")
    return instance


def _create_and_write(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    instance: ServiceInstance,
    target: Target,
    path: Path | None,
    *,
    replace: bool,
    write_stdout: Callable[[str], None],
) -> tuple[Credentials, str]:
    name = opts.key_name or default_key_name()
    # A format that cannot carry the values must fail before a key exists: render with a placeholder.
    placeholder = ApiKey(name=name, id="ApiKey-placeholder", apikey="placeholder-key")
    creds_mod.render(build_credentials(placeholder, instance, target), opts.fmt)

    with sigint_deferred():
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid))
            res.result = key.id or name
        creds = build_credentials(key, instance, target)
        # The key's only copy must reach its file: one that cannot (a value the format cannot carry,
        # a full disk) is deleted rather than left orphaned.
        with adding(lambda: discard_key(cli, key)):
            text = creds_mod.render(creds, opts.fmt)
            if path is None:
                write_stdout(text)
            else:
                with ui.step(f"Writing credentials to {path}") as res:
                    secretfile.write_secret(
                        path, text, force=opts.force or replace, encoding=creds_mod.file_encoding(opts.fmt)
                    )
                    res.result = "mode 0600" if os.name == "posix" else "saved"
    return creds, text
