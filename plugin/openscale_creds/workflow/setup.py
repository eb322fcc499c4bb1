"""`setup`: log in if needed, resolve the instance, create a key and write the credentials.

As few `ibmcloud` calls as the result needs. With the user's session: the scoped lookup, then
`iam api-key-create` (2 calls); a missing session shows up as the lookup's own "not logged in", and
only then does SSO start. With an API key: `login -g` in a private IBMCLOUD_HOME (the user's session
is left alone), the lookup and the key creation there (3 calls). The group is a flag of the lookup,
never a `target -g` of the user's session.

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
from openscale_creds.errors import NotLoggedIn, adding
from openscale_creds.ibmcloud import IbmCloud, is_instance_id, validate_name
from openscale_creds.models import ApiKey, ServiceInstance, Target
from openscale_creds.rules import OPENSCALE_SERVICE
from openscale_creds.workflow.instances import resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
    discard_key,
    key_description,
    saved_note,
    sigint_deferred,
)
from openscale_creds.workflow.login import (
    LOGIN_WAYS,
    LoginOptions,
    check_account,
    describe_target,
    login_with_key,
    sso_login,
)
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
    check_stdout: Callable[[], None] = lambda: None,
) -> SetupResult:
    _validate_names(opts)
    path = None if opts.out == "-" else Path(opts.out).expanduser()
    existing: Credentials | None = None
    if path is not None:
        if opts.reuse_key and path.exists() and not path.is_symlink():
            existing = load_if_readable(path)
        if existing is None:
            secretfile.check_target(path, force=opts.force)
    key = opts.login.api_key(environ)
    if key is None:
        target, instance = _in_user_session(cli, opts, ui, environ)
        return _finish(cli, opts, ui, instance, target, path, existing, write_stdout, check_stdout, home=None)
    from openscale_creds.workflow.verify import private_home

    with private_home() as home:
        logged_in = login_with_key(cli, opts.login, ui, *key, home=home, by="setup")
        found = _find_instance(cli, opts, ui, home=home)
        if found is None:  # the session made a moment ago was refused
            raise NotLoggedIn("the private session was refused right after logging in", hint=LOGIN_WAYS)
        return _finish(cli, opts, ui, found, logged_in, path, existing, write_stdout, check_stdout, home=home)


def _finish(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    instance: ServiceInstance,
    target: Target | None,
    path: Path | None,
    existing: Credentials | None,
    write_stdout: Callable[[str], None],
    check_stdout: Callable[[], None],
    *,
    home: str | None,
) -> SetupResult:
    if existing is not None and existing.instance_guid == instance.guid:
        ui.info(f"Reusing the API key {existing.api_key_name or ''} already in {path}".replace("  ", " "))
        return SetupResult(existing, path, False, "")
    if existing is not None and path is not None:
        secretfile.check_target(path, force=opts.force)
    if path is None:
        check_stdout()  # as late as possible, and before the key exists
    creds, text = _create_and_write(
        cli,
        opts,
        ui,
        instance,
        target,
        path,
        replace=existing is not None,
        write_stdout=write_stdout,
        home=home,
    )
    return SetupResult(creds, path, True, text)


def _validate_names(opts: SetupOptions) -> None:
    # Refused before logging in: a name ibmcloud cannot take must not cost a login and a lookup first.
    validate_name("instance name", opts.instance)
    if opts.key_name is not None:
        validate_name("API key name", opts.key_name)
    if opts.location:
        validate_name("location", opts.location)
    if opts.login.group:
        validate_name("resource group", opts.login.group)


def _in_user_session(
    cli: IbmCloud, opts: SetupOptions, ui: Ui, environ: Mapping[str, str]
) -> tuple[Target | None, ServiceInstance]:
    """The instance, looked up in the user's own session; SSO first when asked, or when the lookup
    finds no session and a person is at the terminal (the session it leaves is announced)."""
    lopts = opts.login
    target: Target | None = None
    if lopts.sso:
        target = sso_login(cli, lopts, ui, environ=environ, by="setup")
    elif lopts.account:
        # Only the session can say which account it is in: one more call, asked for by --account.
        with ui.step("Checking the ibmcloud session") as res:
            target = cli.target()
            res.result = describe_target(target) if target.logged_in else "not logged in"
        if not target.logged_in:
            target = _sso_or_refuse(cli, opts, ui, environ)
        check_account(target, lopts.account)
    instance = _find_instance(cli, opts, ui, home=None)
    if instance is None:
        target = _sso_or_refuse(cli, opts, ui, environ)
        instance = _find_instance(cli, opts, ui, home=None)
        if instance is None:
            raise NotLoggedIn("the SSO login did not leave a usable session", hint=LOGIN_WAYS)
    return target, instance


def _sso_or_refuse(cli: IbmCloud, opts: SetupOptions, ui: Ui, environ: Mapping[str, str]) -> Target:
    if not ui.interactive:
        raise NotLoggedIn("ibmcloud has no usable login session", hint=LOGIN_WAYS)
    return sso_login(cli, opts.login, ui, environ=environ, by="setup")


def _find_instance(cli: IbmCloud, opts: SetupOptions, ui: Ui, *, home: str | None) -> ServiceInstance | None:
    """The instance; None when the session is missing or expired (the lookup's own answer)."""
    with ui.step(f"Finding service instance {opts.instance}") as res:
        try:
            instance = resolve_instance(
                cli,
                opts.instance,
                location=opts.location,
                home=home,
                group=opts.login.group,
                service=OPENSCALE_SERVICE,
                narrowing=("--group", "--location"),
            )
        except NotLoggedIn:
            res.result = "not logged in"
            return None
        res.result = f"{instance.name} ({instance.guid}, {instance.location or 'unknown region'})"
    if instance.service_name and instance.service_name != OPENSCALE_SERVICE:
        ui.warn(f"{instance.name} is a {instance.service_name} instance, not OpenScale ({OPENSCALE_SERVICE})")
    return instance


def _create_and_write(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    instance: ServiceInstance,
    target: Target | None,
    path: Path | None,
    *,
    replace: bool,
    write_stdout: Callable[[str], None],
    home: str | None,
) -> tuple[Credentials, str]:
    name = opts.key_name or default_key_name()
    # A format that cannot carry the values must fail before a key exists: render with a placeholder.
    placeholder = ApiKey(name=name, id="ApiKey-placeholder", apikey="placeholder-key")
    creds_mod.render(build_credentials(placeholder, instance, target), opts.fmt)

    with sigint_deferred() as held:
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid), home=home)
            res.result = key.id or name
        # A GUID or CRN is found in any group: then --group says nothing about where the instance is.
        group = None if is_instance_id(opts.instance) else opts.login.group
        creds = build_credentials(key, instance, _with_group(target, instance, group))
        # The key's only copy must reach its file: one that cannot (a value the format cannot carry,
        # a full disk) is deleted rather than left orphaned.
        with adding(lambda: discard_key(cli, key, home=home)):
            text = creds_mod.render(creds, opts.fmt)
            if path is None:
                write_stdout(text)
                held.note = saved_note(key, "standard output")
            else:
                with ui.step(f"Writing credentials to {path}") as res:
                    secretfile.write_secret(
                        path, text, force=opts.force or replace, encoding=creds_mod.file_encoding(opts.fmt)
                    )
                    res.result = "mode 0600" if os.name == "posix" else "saved"
                held.note = saved_note(key, str(path))
    return creds, text


def _with_group(target: Target | None, instance: ServiceInstance, group: str | None) -> Target | None:
    """What names the instance's group in the credentials when the listing shows only its ID: the
    group the search was limited to (as the login named it, else as given, unless that was the ID)."""
    if instance.resource_group or not group:
        return None  # the instance names its own group, or nothing says which group it is in
    name = target.resource_group if target and target.resource_group else group
    return None if name == instance.resource_group_id else Target(logged_in=True, resource_group=name)
