"""Profiles: `env`, `exec`, `list`, `remove`, rotating a profile's key, and keeping the profiles that
point at a credentials file in step when that file is rotated.

Every key a flow here creates ends saved (keychain, plain file, or the user's file), deleted, or
named in the message with the command that deletes it; a key a flow deletes is deleted before the
profile that tracked it goes, so nothing is left half-done without being said.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openscale_creds import errors, store
from openscale_creds.errors import CredsError, NotFound, NotLoggedIn, adding
from openscale_creds.store import Profile, ProfileStore
from openscale_creds.workflow.ui import Ui

if TYPE_CHECKING:
    # `exec` and `env` use this module but never the facade or the models: importing them (and the
    # parsers and runner behind them) would cost every `exec -p NAME` a few ms.
    from openscale_creds.credentials import Credentials
    from openscale_creds.ibmcloud import IbmCloud
    from openscale_creds.workflow.verify import RotateResult

# `--shell` values and shellingham's shell names -> the `env` format that shell evaluates.
_SHELL_FORMATS = {
    "posix": "env",
    "cmd": "cmd",
    "bat": "cmd",
    "powershell": "powershell",
    "powershell5": "powershell",
    "pwsh": "powershell",
    "fish": "fish",
}


def profile_name(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The profile `-p` names, else the current one (``OPENSCALE_CREDS_PROFILE``, else ``default``)."""
    return store.validate_name(option) if option else store.current_name(environ)


def env_format(shell: str | None, platform: str | None = None) -> str:
    """The `env` format for the shell the user types in: `shell` (the `--shell` option) when given,
    else the detected one: fish, PowerShell and cmd get their own, anything else the POSIX ``env``."""
    if shell:
        return _SHELL_FORMATS.get(shell, "env")
    from openscale_creds.shellquote import parent_shell_name

    found = _SHELL_FORMATS.get(parent_shell_name(platform) or "")
    if found is not None:
        return found
    return "cmd" if (platform or sys.platform) == "win32" else "env"


# --- exec ------------------------------------------------------------------------------------------


def child_environment(creds: Credentials, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` plus the credential variables: what `exec` gives COMMAND, and only COMMAND."""
    return {**environ, **creds.env()}


def run_with_credentials(command: Sequence[str], creds: Credentials, environ: Mapping[str, str]) -> int:
    """Run `command` with the credentials in its environment; on POSIX this process becomes it and
    never returns, elsewhere its exit code. The key goes only into the environment, never an argv."""
    from openscale_creds import runner

    if not command:
        raise errors.UsageError(
            "exec needs a COMMAND to run", hint="openscale-creds exec -p NAME -- COMMAND [ARGS...]"
        )
    env = child_environment(creds, environ)
    program = runner.find_program(command[0], env.get("PATH"))
    if os.name == "posix":
        runner.replace_process(program, list(command), env)
    return runner.run_child([program, *command[1:]], env)


# --- list ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRow:
    profile: Profile
    current: bool  # the one used when no -p is given
    status: str | None = None  # with --verify: ok, rejected, instance gone, ...


def list_profiles(
    profiles: ProfileStore,
    *,
    current: str,
    verify_with: Callable[[], IbmCloud] | None = None,
    ui: Ui | None = None,
) -> list[ProfileRow]:
    """Every profile, by name; with `verify_with`, each checked in a private session."""
    rows = []
    cli = verify_with() if verify_with is not None and ui is not None else None
    for profile in profiles.list():
        status = None
        if cli is not None and ui is not None:
            status = check_profile(cli, profiles, profile, ui)
        rows.append(ProfileRow(profile, profile.name == current, status))
    return rows


def check_profile(cli: IbmCloud, profiles: ProfileStore, profile: Profile, ui: Ui) -> str:
    """`ok`, `rejected`, `instance gone`, or why the key could not be tried."""
    from openscale_creds.workflow.verify import verify

    if profile.secret.kind == "not-kept":
        return "key not kept"
    try:
        creds = profile.with_key(profiles.read_secret(profile))
    except NotFound:
        return "key missing"
    except CredsError as exc:
        return f"key unreadable ({type(exc).__name__})"
    try:
        verify(cli, creds, ui)
    except NotLoggedIn:
        return "rejected"
    except NotFound:
        return "instance gone"
    except CredsError as exc:
        return f"not checked ({type(exc).__name__})"
    return "ok"


def rows_document(rows: Sequence[ProfileRow]) -> list[dict[str, object]]:
    """`list --format json`: one object per profile (never the key)."""
    out: list[dict[str, object]] = []
    for row in rows:
        doc: dict[str, object] = {**row.profile.as_dict(), "current": row.current}
        if row.status is not None:
            doc["status"] = row.status
        out.append(doc)
    return out


def rows_text(rows: Sequence[ProfileRow]) -> str:
    """`list`: a table, the current profile marked with `*`."""
    headers = ["", "NAME", "INSTANCE", "GUID", "REGION", "KEY NAME", "KEY ID", "CREATED", "SECRET"]
    if any(r.status is not None for r in rows):
        headers.append("STATUS")
    table = [headers]
    for row in rows:
        p = row.profile
        cells = [
            "*" if row.current else "",
            p.name,
            p.instance_name or "-",
            p.instance_guid,
            p.region or "-",
            p.api_key_name or "-",
            p.api_key_id or "-",
            p.created_at or "-",
            p.secret.describe(),
        ]
        if len(headers) > len(cells):
            cells.append(row.status or "-")
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in table
    )


# --- remove ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removed:
    profile: Profile
    key_deleted: bool


def remove_profile(
    connect: Callable[[], IbmCloud], profiles: ProfileStore, name: str, ui: Ui, *, keep_key: bool
) -> Removed:
    """`remove -p NAME`: the key in IBM Cloud (unless `keep_key`), then the stored secret and the
    profile. A key that cannot be deleted stops everything, with the reason and `--keep-key`."""
    profile = profiles.get(name)
    keep_hint = f"`openscale-creds remove -p {name} --keep-key` removes only the local copy"
    if not keep_key:
        if not profile.api_key_id:
            raise errors.UsageError(
                f"profile {name!r} records no API key id, so its key cannot be deleted; nothing was removed",
                hint=f"delete the key in the IBM Cloud console, then {keep_hint}",
            )
        delete_profile_key(connect(), profiles, profile, ui, keep_hint=keep_hint)
    where = profile.api_key_id or "?"
    done_note = (
        f" — API key {where} was deleted in IBM Cloud, but the local copy is still there: run "
        f"`openscale-creds remove -p {name} --keep-key`"
    )
    with adding("" if keep_key else done_note):
        profiles.delete(name)
    return Removed(profile, not keep_key)


def delete_profile_key(
    cli: IbmCloud, profiles: ProfileStore, profile: Profile, ui: Ui, *, keep_hint: str
) -> None:
    """Delete the profile's key by its id: in a private session logged in with the key itself when it
    still works (it may be the only credential there is), else in the user's own session."""
    from openscale_creds.workflow.verify import private_home

    key_id = profile.api_key_id or ""
    what = f"API key {profile.api_key_name or key_id} ({key_id}) of profile {profile.name!r}"
    secret: str | None = None
    try:
        secret = profiles.read_secret(profile)
    except CredsError:
        secret = None  # printed and not kept, or its file is gone: the session may still delete it
    if secret is not None:
        with private_home() as home:
            try:
                with ui.step("Logging in with the profile's own key (private session)"):
                    cli.login_apikey(secret, region=profile.region, no_region=not profile.region, home=home)
            except NotLoggedIn:
                ui.info("The profile's key no longer logs in; deleting it with your ibmcloud session")
            else:
                _delete(cli, ui, key_id, what, home, keep_hint)
                return
    session = cli.target()
    if not session.logged_in:
        raise NotLoggedIn(
            f"cannot delete the {what}: ibmcloud has no session to delete it with; nothing was removed",
            hint=f"log in with `openscale-creds login` and run this again, or {keep_hint}",
        )
    _delete(cli, ui, key_id, what, None, keep_hint)


def _delete(cli: IbmCloud, ui: Ui, key_id: str, what: str, home: str | None, keep_hint: str) -> None:
    try:
        with ui.step(f"Deleting API key {key_id}") as res:
            cli.delete_api_key(key_id, home=home)
            res.result = "deleted"
    except NotFound:
        raise NotFound(
            f"IBM Cloud has no {what} (already deleted, or in another account); nothing was removed",
            hint=f"if it is gone, {keep_hint}",
        ) from None
    except CredsError as exc:
        exc.message = f"the {what} could not be deleted: {exc.message}; nothing was removed"
        exc.hint = keep_hint
        raise


# --- rotate a profile ------------------------------------------------------------------------------


def rotate_profile(
    cli: IbmCloud, profiles: ProfileStore, name: str, fmt: str | None, ui: Ui, *, key_name: str | None = None
) -> RotateResult:
    """`rotate -p NAME`: a profile whose key is in a credentials file rotates that file (and the
    profile follows); otherwise new key -> the store -> verified in a private session -> old key
    deleted. If the new key fails verification the old one is put back and the new one deleted."""
    from openscale_creds.workflow import verify as verify_flow

    profile = profiles.get(name)
    if profile.secret.kind == "file":
        path = Path(profile.secret.path or "")
        result = verify_flow.rotate(cli, path, fmt, ui, key_name=key_name)
        follow_file(profiles, path, result.credentials)
        return result
    if profile.secret.kind == "not-kept":
        raise NotFound(
            f"the key of profile {name!r} was printed, not kept, so it cannot create its successor",
            hint=f"run `openscale-creds setup {profile.instance_guid} -p {name} --new-key`",
        )
    old = profile.with_key(profiles.read_secret(profile))
    with verify_flow.private_home() as home:
        new = _new_key_for_profile(cli, profiles, profile, old, ui, home, key_name=key_name)
        with adding(lambda: _put_back(cli, profiles, profile, old, new, home), unless=()):
            verify_flow.verify(cli, new, ui)
        ui.info(f"Profile {name} now holds API key {new.api_key_name} ({new.api_key_id})")
        return verify_flow.delete_replaced_key(cli, old, new, f"profile {name}", ui, home)


def _new_key_for_profile(
    cli: IbmCloud,
    profiles: ProfileStore,
    profile: Profile,
    old: Credentials,
    ui: Ui,
    home: str,
    *,
    key_name: str | None,
) -> Credentials:
    from openscale_creds.workflow.keys import (
        build_credentials,
        create_key,
        default_key_name,
        discard_key,
        key_description,
        sigint_deferred,
    )
    from openscale_creds.workflow.login import describe_target

    with ui.step("Logging in with the current API key (private session)") as res:
        try:
            target = cli.login_apikey(old.apikey, region=old.region, no_region=not old.region, home=home)
        except NotLoggedIn as exc:
            raise NotLoggedIn(
                f"the current API key of profile {profile.name!r} was rejected: {exc.message}",
                hint="it cannot create its successor; run "
                f"`openscale-creds setup {profile.instance_guid} -p {profile.name}` instead",
            ) from None
        res.result = describe_target(target)
    from openscale_creds.models import ServiceInstance

    instance = ServiceInstance(
        name=old.instance_name or old.instance_guid,
        guid=old.instance_guid,
        crn=old.instance_crn,
        location=old.region,
        resource_group=old.resource_group,
        url=old.url,
    )
    name = key_name or default_key_name()
    with sigint_deferred():
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid), home=home)
            res.result = key.id or name
        new = build_credentials(key, instance, target)
        with (
            adding(lambda: discard_key(cli, key, home=home)),
            ui.step(f"Storing it as profile {profile.name}") as res,
        ):
            saved = profiles.save(Profile.from_credentials(profile.name, new), new.apikey)
            res.result = saved.secret.describe()
    return new


def _put_back(
    cli: IbmCloud, profiles: ProfileStore, profile: Profile, old: Credentials, new: Credentials, home: str
) -> str:
    """The new key failed verification: the profile gets its old key back and the new key is
    deleted; what happened, to add to the error."""
    from openscale_creds.workflow.keys import discard_key

    try:
        profiles.save(profile, old.apikey)
    except CredsError as failed:
        return (
            f" — profile {profile.name} holds the new key {new.api_key_id}, not verified; its old key "
            f"{old.api_key_id} could not be put back ({failed.message})"
        )
    from openscale_creds.models import ApiKey

    key = ApiKey(name=new.api_key_name or "", id=new.api_key_id, apikey=new.apikey)
    return f" — profile {profile.name} keeps its old key {old.api_key_id}" + discard_key(cli, key, home=home)


def follow_file(profiles: ProfileStore, path: Path, creds: Credentials) -> list[str]:
    """After `path` was written with a new key: the profiles that keep their key in it now record
    that key. Returns their names."""
    target = os.path.abspath(path)
    moved = []
    for profile in profiles.list():
        if profile.secret.kind == "file" and profile.secret.path == target:
            profiles.save(Profile.from_credentials(profile.name, creds, store.in_file(target)))
            moved.append(profile.name)
    return moved
