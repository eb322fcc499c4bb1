"""The flows: log in, resolve an instance, setup, verify, rotate, and their dry-run plans.

Workflows talk to `ibmcloud` only through the `IbmCloud` facade (a fake object in unit tests) and to
the person only through `Ui`; they never print and never know about Typer.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from openscale_creds import redact
from openscale_creds.errors import (
    Ambiguous,
    CredsError,
    Interrupted,
    NotFound,
    NotLoggedIn,
    Unrepresentable,
    UsageError,
)
from openscale_creds.ibmcloud import (
    IbmCloud,
    api_key_create_args,
    instance_args,
    login_args,
    validate_name,
)
from openscale_creds.models import AccountChoice, ApiKey, ServiceInstance, Target

if TYPE_CHECKING:
    from openscale_creds.credentials import Credentials

OPENSCALE_SERVICE = "aiopenscale"
LOGIN_WAYS = "log in with `openscale-creds login --sso`, set IBMCLOUD_API_KEY, or pass --apikey-file FILE"


class Ui(Protocol):
    """How workflows talk to the person: progress and messages on stderr, prompts on the terminal."""

    interactive: bool

    def step(self, what: str) -> contextlib.AbstractContextManager[StepResult]: ...
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def read_passcode(self, url: str) -> str: ...
    def choose_account(self, choices: list[AccountChoice]) -> AccountChoice: ...


class StepResult:
    """Filled in by a step so the progress line can show the result."""

    def __init__(self) -> None:
        self.result = ""


@dataclass(frozen=True)
class LoginOptions:
    sso: bool = False
    apikey_file: Path | None = None
    passcode_stdin: bool = False
    account: str | None = None
    region: str | None = None
    no_region: bool = False
    group: str | None = None
    browser: bool | None = None  # None: open one only when there is a display

    def api_key(self, environ: Mapping[str, str]) -> tuple[str, str] | None:
        """(value for IBMCLOUD_API_KEY, description) of the API key to log in with, if one was given."""
        if self.sso:
            return None
        if self.apikey_file is not None:
            path = self.apikey_file.expanduser().resolve()
            if not path.is_file():
                raise UsageError(f"API key file {self.apikey_file} does not exist", hint="check the path")
            # ibmcloud reads `@FILE` itself (raw key or the JSON file api-key-create writes).
            return f"@{path}", f"the API key in {self.apikey_file}"
        value = environ.get("IBMCLOUD_API_KEY")
        if value:
            return value, "the API key from IBMCLOUD_API_KEY"
        return None


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    if platform in ("win32", "darwin"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


# --- login ---------------------------------------------------------------------------------------


def login(
    cli: IbmCloud,
    opts: LoginOptions,
    ui: Ui,
    *,
    environ: Mapping[str, str],
    sso_when_needed: bool = False,
) -> tuple[Target, bool]:
    """Log in as asked; returns the target and whether a new login happened.

    A credential given always logs in with it. With none, a usable session is reused; without one,
    SSO starts when `sso_when_needed` and a person is at a terminal, else NotLoggedIn (exit 4).
    """
    key = opts.api_key(environ)
    if key is not None:
        value, what = key
        with ui.step(f"Logging in with {what}") as res:
            target = cli.login_apikey(
                value,
                account=opts.account,
                region=opts.region,
                no_region=opts.no_region,
                group=opts.group,
            )
            _check_account(target, opts.account)
            res.result = _describe_target(target)

        def relogin() -> None:
            with ui.step("Session expired; logging in again") as again:
                again.result = _describe_target(cli.login_apikey(value, region=opts.region, group=opts.group))

        cli.relogin = relogin
        return target, True
    if not opts.sso:
        with ui.step("Checking the ibmcloud session") as res:
            target = cli.target()
            res.result = _describe_target(target) if target.logged_in else "not logged in"
        if target.logged_in:
            _check_account(target, opts.account)
            return target, False
        if not (sso_when_needed and ui.interactive):
            raise NotLoggedIn("ibmcloud has no usable login session", hint=LOGIN_WAYS)
    return sso_login(cli, opts, ui, environ=environ), True


def sso_login(cli: IbmCloud, opts: LoginOptions, ui: Ui, *, environ: Mapping[str, str]) -> Target:
    open_browser = opts.browser if opts.browser is not None else has_display(environ)
    with ui.step("Logging in with SSO") as res:
        target = cli.login_sso(
            ui,
            account=opts.account,
            region=opts.region,
            no_region=opts.no_region,
            group=opts.group,
            open_browser=open_browser,
        )
        if not target.logged_in:
            raise NotLoggedIn("the SSO login did not leave a usable session", hint=LOGIN_WAYS)
        _check_account(target, opts.account)
        res.result = _describe_target(target)
    return target


def _check_account(target: Target, wanted: str | None) -> None:
    if not wanted or target.account is None:
        return
    acct = target.account
    if acct.guid.lower() != wanted.lower() and acct.name.casefold() != wanted.casefold():
        raise NotFound(
            f"logged in to account {acct.name} ({acct.guid}), not {wanted!r}",
            hint="the API key belongs to another account; use a key of that account, or --sso",
        )


def _describe_target(target: Target) -> str:
    parts = []
    if target.user:
        parts.append(target.user)
    if target.account:
        parts.append(f"account {target.account.name}")
    if target.region:
        parts.append(f"region {target.region}")
    if target.resource_group:
        parts.append(f"group {target.resource_group}")
    return ", ".join(parts) or "logged in"


# --- instances -----------------------------------------------------------------------------------


def resolve_instance(
    cli: IbmCloud, name_or_id: str, *, location: str | None = None, home: str | None = None
) -> ServiceInstance:
    """Exactly one instance: NotFound (exit 5) for none, Ambiguous (exit 6) listing several."""
    found = cli.find_instances(name_or_id, location=location, home=home)
    if location:
        found = [i for i in found if i.location == location]
    if not found:
        where = f" in {location}" if location else ""
        raise NotFound(
            f"no service instance named {name_or_id!r}{where}",
            hint="check the name, the targeted resource group (--group) and the account",
        )
    if len(found) > 1:
        raise Ambiguous(
            f"{len(found)} service instances match {name_or_id!r}:\n" + describe_candidates(found),
            hint="pass the GUID or CRN instead, or narrow with --location / --group",
        )
    return found[0]


def describe_candidates(instances: Sequence[ServiceInstance]) -> str:
    return "\n".join(
        f"  {i.name}  guid={i.guid}  location={i.location or '-'}  "
        f"resource_group={i.resource_group or i.resource_group_id or '-'}"
        for i in instances
    )


# --- keys ----------------------------------------------------------------------------------------


def default_key_name(now: float | None = None, host: str | None = None) -> str:
    import socket  # here, like the imports below: `instance --field guid` in a loop pays for every start

    host = re.sub(r"[^A-Za-z0-9-]+", "-", host or socket.gethostname()).strip("-")[:40] or "host"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    return f"openscale-creds-{host}-{stamp}"


def key_description(instance_name: str, guid: str) -> str:
    return f"OpenScale credentials for instance {instance_name} ({guid}), created by openscale-creds"


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM, SIGHUP) until the block ends: a key being created must reach the file.

    The `ibmcloud` child runs in its own session, so a terminal Ctrl-C does not reach it either;
    the block is bounded by --timeout.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    held = [signal.SIGINT, *(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))]
    previous = {sig: signal.signal(sig, lambda signum, _frame: pending.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if pending:
        raise KeyboardInterrupt


def create_key(cli: IbmCloud, name: str, description: str, *, home: str | None = None) -> ApiKey:
    """`iam api-key-create`, registering the new key as a secret; says so when a key may be orphaned."""
    try:
        key = cli.create_api_key(name, description, home=home)
    except (UsageError, Interrupted):
        raise
    except CredsError as exc:
        # The request may have reached IBM Cloud even though its answer did not reach us.
        exc.message += (
            f" — a key named {name} may exist without its value having been saved: look for it with "
            "`ibmcloud iam api-keys` and delete it"
        )
        raise
    redact.register(key.apikey)
    return key


def build_credentials(key: ApiKey, instance: ServiceInstance, target: Target | None) -> Credentials:
    from openscale_creds.credentials import Credentials

    if not key.apikey:
        raise CredsError(f"ibmcloud created API key {key.name} but did not show its value")
    return Credentials(
        apikey=key.apikey,
        instance_guid=instance.guid,
        url=instance.url,
        region=instance.location,
        resource_group=instance.resource_group or (target.resource_group if target else None),
        instance_name=instance.name,
        instance_crn=instance.crn,
        api_key_name=key.name,
        api_key_id=key.id,
        created_at=key.created_at,
    )


# --- setup ---------------------------------------------------------------------------------------


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
    from openscale_creds import credentials as creds_mod
    from openscale_creds import secretfile

    validate_name("instance name", opts.instance)
    # Refused before logging in: a name ibmcloud cannot take must not cost a login and a lookup first.
    if opts.key_name is not None:
        validate_name("API key name", opts.key_name)
    if opts.location:
        validate_name("location", opts.location)
    path = None if opts.out == "-" else Path(opts.out).expanduser()
    existing: Credentials | None = None
    if path is not None:
        if opts.reuse_key and path.exists() and not path.is_symlink():
            existing = _load_existing(path)
        if existing is None:
            secretfile.check_target(path, force=opts.force)
    target, _ = login(cli, opts.login, ui, environ=environ, sso_when_needed=True)
    if opts.login.group and not _group_already(target, opts.login.group):
        with ui.step(f"Targeting resource group {opts.login.group}") as res:
            target = cli.target_group(opts.login.group)
            res.result = target.resource_group or opts.login.group
    with ui.step(f"Finding service instance {opts.instance}") as res:
        instance = resolve_instance(cli, opts.instance, location=opts.location)
        res.result = f"{instance.name} ({instance.guid}, {instance.location or 'unknown region'})"
    if instance.service_name and instance.service_name != OPENSCALE_SERVICE:
        ui.warn(f"{instance.name} is a {instance.service_name} instance, not OpenScale ({OPENSCALE_SERVICE})")

    if existing is not None and existing.instance_guid == instance.guid:
        ui.info(f"Reusing the API key {existing.api_key_name or ''} already in {path}".replace("  ", " "))
        return SetupResult(existing, path, False, "")
    if existing is not None and path is not None:
        secretfile.check_target(path, force=opts.force)

    name = opts.key_name or default_key_name()
    # A format that cannot carry the values must fail before a key exists: render with a placeholder.
    placeholder = ApiKey(name=name, id="ApiKey-placeholder", apikey="placeholder-key")
    creds_mod.render(build_credentials(placeholder, instance, target), opts.fmt)

    with sigint_deferred():
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid))
            res.result = key.id or name
        creds = build_credentials(key, instance, target)
        try:
            text = creds_mod.render(creds, opts.fmt)
        except Unrepresentable as exc:
            # Only the key's own value can get here (the placeholder render passed): an unsaveable
            # key is deleted rather than left orphaned with its only copy gone.
            exc.message += _discard_key(cli, key)
            raise
        if path is None:
            write_stdout(text)
        else:
            with ui.step(f"Writing credentials to {path}") as res:
                try:
                    secretfile.write_secret(
                        path,
                        text,
                        force=opts.force or existing is not None,
                        encoding=creds_mod.file_encoding(opts.fmt),
                    )
                except Interrupted:
                    raise
                except CredsError as exc:
                    # The key's only copy could not be saved: delete it rather than leave it orphaned.
                    exc.message += _discard_key(cli, key)
                    raise
                res.result = "mode 0600" if os.name == "posix" else "saved"
    return SetupResult(creds, path, True, text)


def _discard_key(cli: IbmCloud, key: ApiKey) -> str:
    if not key.id:
        return f" — API key {key.name} was created but cannot be saved; delete it in the IBM Cloud console"
    try:
        cli.delete_api_key(key.id)
    except CredsError:
        return (
            f" — API key {key.name} ({key.id}) was created but cannot be saved; delete it with "
            f"`ibmcloud iam api-key-delete {key.id} -f`"
        )
    return f" — the new API key {key.name} ({key.id}) could not be saved, so it was deleted"


def _group_already(target: Target, group: str) -> bool:
    return bool(target.resource_group) and target.resource_group == group


def _load_existing(path: Path) -> Credentials | None:
    from openscale_creds import credentials as creds_mod

    try:
        return creds_mod.load(path.read_bytes())
    except (CredsError, OSError, ValueError):
        return None


def load_credentials_file(path: Path) -> Credentials:
    from openscale_creds import credentials as creds_mod

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"credentials file {path} does not exist", hint="create it with `openscale-creds setup`"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        creds = creds_mod.load(data)
    except UsageError as exc:
        exc.message = f"{path}: {exc.message}"
        raise
    redact.register(creds.apikey)
    return creds


# --- verify / rotate -----------------------------------------------------------------------------


@contextlib.contextmanager
def private_home() -> Iterator[str]:
    """A throw-away IBMCLOUD_HOME so the user's own session is neither used nor changed."""
    import shutil
    import tempfile

    home = tempfile.mkdtemp(prefix="openscale-creds-")
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def verify(cli: IbmCloud, creds: Credentials, ui: Ui) -> ServiceInstance:
    with private_home() as home:
        return _verify_in(cli, creds, ui, home)


def _verify_in(cli: IbmCloud, creds: Credentials, ui: Ui, home: str) -> ServiceInstance:
    with ui.step("Logging in with the stored API key (private session)") as res:
        try:
            target = cli.login_apikey(
                creds.apikey, region=creds.region, no_region=not creds.region, home=home
            )
        except NotLoggedIn as exc:
            raise NotLoggedIn(
                f"the stored API key {creds.api_key_name or ''} was rejected: {exc.message}".replace(
                    "  ", " "
                ),
                hint="create a new one with `openscale-creds setup --force` or `openscale-creds rotate`",
            ) from None
        res.result = _describe_target(target)
    with ui.step(f"Finding instance {creds.instance_guid}") as res:
        try:
            instance = resolve_instance(cli, creds.instance_guid, home=home)
        except NotFound:
            raise NotFound(
                f"the OpenScale instance {creds.instance_guid} ({creds.instance_name or 'unnamed'}) "
                "is gone or not visible to this key",
                hint="check the instance, or run setup for another one",
            ) from None
        res.result = f"{instance.name} ({instance.state or 'state unknown'})"
    return instance


@dataclass(frozen=True)
class RotateResult:
    credentials: Credentials
    old_key_id: str | None
    old_key_deleted: bool


def rotate(cli: IbmCloud, path: Path, fmt: str, ui: Ui, *, key_name: str | None = None) -> RotateResult:
    """New key -> side file -> verify -> replace the file -> delete the old key.

    Until the final replace the file keeps the old, working key; the new key waits in `FILE.new`
    (0600) so its only copy is never lost. Each failure says which key is where.
    """
    from openscale_creds import credentials as creds_mod
    from openscale_creds import secretfile

    old = load_credentials_file(path)
    side = path.with_name(path.name + ".new")
    secretfile.check_target(side, force=False)
    with private_home() as home:
        with ui.step("Logging in with the current API key (private session)") as res:
            try:
                target = cli.login_apikey(old.apikey, region=old.region, no_region=not old.region, home=home)
            except NotLoggedIn as exc:
                raise NotLoggedIn(
                    f"the current API key in {path} was rejected: {exc.message}",
                    hint="it cannot create its successor; run `openscale-creds setup --force` instead",
                ) from None
            res.result = _describe_target(target)
        name = key_name or default_key_name()
        instance = ServiceInstance(
            name=old.instance_name or old.instance_guid,
            guid=old.instance_guid,
            crn=old.instance_crn,
            location=old.region,
            resource_group=old.resource_group,
            url=old.url,
        )
        with sigint_deferred():
            with ui.step(f"Creating API key {name}") as res:
                key = create_key(cli, name, key_description(instance.name, instance.guid), home=home)
                res.result = key.id or name
            new = build_credentials(key, instance, target)
            secretfile.write_secret(
                side, creds_mod.render(new, fmt), force=False, encoding=creds_mod.file_encoding(fmt)
            )
        try:
            verify(cli, new, ui)
        except CredsError as exc:
            exc.message += (
                f" — {path} still holds the old key {old.api_key_id}; the new key {key.id} is in {side}"
            )
            raise
        os.replace(side, path)
        ui.info(f"{path} now holds API key {key.name} ({key.id})")
        deleted = False
        if old.api_key_id:
            try:
                with ui.step(f"Deleting the old API key {old.api_key_id}") as res:
                    cli.delete_api_key(old.api_key_id, home=home)
                    res.result = "deleted"
                deleted = True
            except Interrupted:
                raise
            except CredsError as exc:
                exc.message += (
                    f" — {path} holds the new, working key {key.id}; the old key {old.api_key_id} still "
                    f"exists: delete it with `ibmcloud iam api-key-delete {old.api_key_id} -f`"
                )
                raise
    return RotateResult(new, old.api_key_id, deleted)


# --- dry-run plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanStep:
    args: tuple[str, ...] | None  # an ibmcloud command, or None for a comment-only line
    comment: str | None = None


def plan_login(opts: LoginOptions, environ: Mapping[str, str]) -> list[PlanStep]:
    key = opts.api_key(environ)
    common = {"account": opts.account, "region": opts.region, "no_region": opts.no_region, "group": opts.group}
    if key is not None:
        # As IbmCloudCli.login_apikey does: nobody can answer the region menu of a key login.
        common["no_region"] = opts.no_region or not opts.region
        source = key[0]
        note = (
            f"IBMCLOUD_API_KEY=@{source[1:]} is passed in the environment"
            if source.startswith("@")
            else "IBMCLOUD_API_KEY is passed in the environment"
        )
        return [PlanStep(tuple(login_args(**common)), note)]  # type: ignore[arg-type]
    if opts.sso:
        return [PlanStep(tuple(login_args(sso=True, **common)), "asks for a one-time code")]  # type: ignore[arg-type]
    return [PlanStep(("target", "--output", "json"), "checks for a usable login session")]


def plan_setup(opts: SetupOptions, environ: Mapping[str, str]) -> list[PlanStep]:
    steps = plan_login(opts.login, environ)
    logs_in = opts.login.sso or opts.login.api_key(environ) is not None
    if opts.login.group and not logs_in:
        # A login passes -g itself; only a reused session may still need the group targeted.
        steps.append(
            PlanStep(
                ("target", "-g", validate_name("resource group", opts.login.group)),
                "only if the session targets another group",
            )
        )
    steps.append(PlanStep(tuple(instance_args(opts.instance, opts.location))))
    name = opts.key_name or default_key_name()
    steps.append(
        PlanStep(tuple(api_key_create_args(name, key_description(opts.instance, "<instance guid>"))))
    )
    where = "standard output" if opts.out == "-" else f"{opts.out} (mode 0600)"
    steps.append(PlanStep(None, f"then writes the {opts.fmt} credentials to {where}"))
    return steps


def plan_verify(path: str) -> list[PlanStep]:
    return [
        PlanStep(
            None,
            f"IBMCLOUD_HOME=<temporary folder>; IBMCLOUD_API_KEY from {path} is passed in the environment",
        ),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(tuple(instance_args("<instance guid>", None))),
    ]


def plan_rotate(path: str, old_key_id: str | None) -> list[PlanStep]:
    return [
        PlanStep(
            None,
            f"IBMCLOUD_HOME=<temporary folder>; IBMCLOUD_API_KEY from {path} is passed in the environment",
        ),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(
            tuple(api_key_create_args(default_key_name(), key_description("<instance>", "<instance guid>")))
        ),
        PlanStep(None, f"writes the new key to {path}.new, verifies it in another temporary IBMCLOUD_HOME:"),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(tuple(instance_args("<instance guid>", None))),
        PlanStep(None, f"replaces {path}, then deletes the old key:"),
        PlanStep(("iam", "api-key-delete", old_key_id or "<old key id>", "-f")),
    ]
