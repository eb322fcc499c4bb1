"""`verify` and `rotate`: prove a stored key works, and replace it, each in a private IBMCLOUD_HOME
so the user's own session is neither used nor changed."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openscale_creds import credentials as creds_mod
from openscale_creds import secretfile
from openscale_creds.credentials import Credentials
from openscale_creds.errors import CredsError, Interrupted, NotFound, NotLoggedIn, Refused, adding
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import ServiceInstance
from openscale_creds.workflow.instances import resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
    discard_key,
    key_description,
    sigint_deferred,
)
from openscale_creds.workflow.login import describe_target
from openscale_creds.workflow.stored import load_credentials_file, load_credentials_with_format
from openscale_creds.workflow.ui import Ui


@contextlib.contextmanager
def private_home() -> Iterator[str]:
    """A throw-away IBMCLOUD_HOME so the user's own session is neither used nor changed."""
    home = tempfile.mkdtemp(prefix="openscale-creds-")
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def verify(cli: IbmCloud, creds: Credentials, ui: Ui, *, path: Path | None = None) -> ServiceInstance:
    with private_home() as home:
        return _verify_in(cli, creds, ui, home, path)


def verify_file(cli: IbmCloud, path: Path, ui: Ui) -> ServiceInstance:
    """`verify FILE`: the instance the key in `path` sees."""
    return verify(cli, load_credentials_file(path), ui, path=path)


def new_key_hint(creds: Credentials, path: Path | None) -> str:
    """The command that replaces a rejected key: a fresh `setup` for the same instance and file."""
    from openscale_creds.shellquote import quote_posix

    out = quote_posix(str(path)) if path is not None else "FILE"
    return f"create a new key with `openscale-creds setup {creds.instance_guid} --out {out} --force`"


def _verify_in(cli: IbmCloud, creds: Credentials, ui: Ui, home: str, path: Path | None) -> ServiceInstance:
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
                hint=new_key_hint(creds, path),
            ) from None
        res.result = describe_target(target)
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


def rotate(
    cli: IbmCloud, path: Path, fmt: str | None, ui: Ui, *, key_name: str | None = None
) -> RotateResult:
    """New key -> side file -> verify -> replace the file -> delete the old key.

    The file keeps its own format unless `fmt` asks to convert it. Until the final replace the file
    keeps the old, working key; the new key waits in `FILE.new` (0600) so its only copy is never lost.
    Each failure, and an interrupt, says which key is where. A `FILE.new` left by an interrupted
    rotate is picked up when its key works for the same instance (the rotation then finishes with
    it), and otherwise cleaned up: its key deleted by ID, the file removed, each step shown.
    """
    old, own_format = load_credentials_with_format(path)
    fmt = fmt or own_format
    side = path.with_name(path.name + ".new")
    left = _leftover(side)
    with private_home() as home:
        new = _resume(cli, old, left, path, side, fmt, ui, home) if left else None
        if new is None:
            new = _new_key_in(cli, old, left, path, side, fmt, ui, home, key_name=key_name)
            with _saying(_both_keys(old, new, path, side)):
                verify(cli, new, ui, path=path)
        with _saying(_both_keys(old, new, path, side)):
            os.replace(side, path)
        ui.info(f"{path} now holds API key {new.api_key_name} ({new.api_key_id})")
        return delete_replaced_key(cli, old, new, str(path), ui, home)


def delete_replaced_key(
    cli: IbmCloud, old: Credentials, new: Credentials, holder: str, ui: Ui, home: str
) -> RotateResult:
    """A rotation's last step, once `holder` (a file, a profile) holds the new, working key: the old
    key is deleted, or the failure names it with the command that deletes it."""
    if not old.api_key_id or old.api_key_id == new.api_key_id:
        return RotateResult(new, old.api_key_id, False)
    still = (
        f" — {holder} holds the new, working key {new.api_key_id}; the old key {old.api_key_id} still "
        f"exists: delete it with `ibmcloud iam api-key-delete {old.api_key_id} -f`"
    )
    with _saying(still), ui.step(f"Deleting the old API key {old.api_key_id}") as res:
        cli.delete_api_key(old.api_key_id, home=home)
        res.result = "deleted"
    return RotateResult(new, old.api_key_id, True)


@contextlib.contextmanager
def _saying(note: str) -> Iterator[None]:
    """Append `note` (which key is where) to any failure of the block, an interrupt included."""
    try:
        with adding(note, unless=()):
            yield
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted{note}") from None


def _both_keys(old: Credentials, new: Credentials, path: Path, side: Path) -> str:
    return (
        f" — {path} still holds the old, working key {old.api_key_id}; the new key {new.api_key_id} is "
        f"in {side}: run `openscale-creds rotate {path}` again to finish with it"
    )


@dataclass(frozen=True)
class _Leftover:
    """`FILE.new` as an earlier, interrupted rotate left it."""

    credentials: Credentials
    fmt: str


def _leftover(side: Path) -> _Leftover | None:
    """What an earlier rotate left in `side`: None if nothing; refused if it cannot be read (nobody
    can tell whether it holds a key that matters, so it is not removed)."""
    if not os.path.lexists(side):
        return None
    secretfile.check_target(side, force=True)  # a symlink or a folder: refused, naming it
    try:
        creds, fmt = load_credentials_with_format(side)
    except CredsError as exc:
        raise Refused(
            f"a file left by an earlier rotate is in the way: {exc.message}",
            hint=f"if {side} holds no key you need, remove it and run rotate again",
        ) from None
    return _Leftover(creds, fmt)


def _resume(
    cli: IbmCloud,
    old: Credentials,
    left: _Leftover,
    path: Path,
    side: Path,
    fmt: str,
    ui: Ui,
    home: str,
) -> Credentials | None:
    """The key in `side` when it works for the same instance (logged in with it in `home`, so the old
    key can be deleted from there); None when `side` is to be cleaned up instead."""
    new = left.credentials
    if new.instance_guid != old.instance_guid or (new.api_key_id and new.api_key_id == old.api_key_id):
        return None
    ui.info(f"{side} holds API key {new.api_key_name} ({new.api_key_id}) from an interrupted rotate")
    try:
        with _saying(_both_keys(old, new, path, side)):
            _verify_in(cli, new, ui, home, side)
    except NotLoggedIn:
        return None  # a dead key: cleaned up with the other leftovers
    if left.fmt != fmt:
        secretfile.write_secret(
            side, creds_mod.render(new, fmt), force=True, encoding=creds_mod.file_encoding(fmt)
        )
    ui.info("It works: finishing that rotation with it")
    return new


def _clear_leftover(cli: IbmCloud, old: Credentials, left: _Leftover, side: Path, ui: Ui, home: str) -> None:
    """Remove `side`, deleting its key first unless it is the old key itself or already dead."""
    stale = left.credentials
    if stale.instance_guid != old.instance_guid:
        why = f"a key for another instance, {stale.instance_guid}"
    elif stale.api_key_id and stale.api_key_id == old.api_key_id:
        why = "a copy of the current key"
    else:
        why = "a key that no longer works"
    ui.info(f"{side} is left from an earlier rotate and holds {why}")
    key_id = stale.api_key_id
    if key_id and key_id != old.api_key_id:
        kept = f" — {side} was left in place"
        with adding(kept), ui.step(f"Deleting API key {key_id} from {side}") as res:
            try:
                cli.delete_api_key(key_id, home=home)
                res.result = "deleted"
            except NotFound:
                res.result = "already gone"
    elif not key_id and stale.instance_guid != old.instance_guid:
        raise Refused(
            f"{side} is in the way: it holds a key without a recorded ID for another instance, "
            "so it cannot be deleted here",
            hint="use or delete that key, remove the file, then run rotate again",
        )
    side.unlink()
    ui.info(f"Removed {side}")


def _new_key_in(
    cli: IbmCloud,
    old: Credentials,
    left: _Leftover | None,
    path: Path,
    side: Path,
    fmt: str,
    ui: Ui,
    home: str,
    *,
    key_name: str | None,
) -> Credentials:
    """Log in with the old key, clear a leftover `side`, create the successor and write it to `side`
    (Ctrl-C held until it is there)."""
    with ui.step("Logging in with the current API key (private session)") as res:
        try:
            target = cli.login_apikey(old.apikey, region=old.region, no_region=not old.region, home=home)
        except NotLoggedIn as exc:
            raise NotLoggedIn(
                f"the current API key in {path} was rejected: {exc.message}",
                hint=f"it cannot create its successor; {new_key_hint(old, path)}",
            ) from None
        res.result = describe_target(target)
    if left is not None:
        _clear_leftover(cli, old, left, side, ui, home)
    secretfile.check_target(side, force=False)
    name = key_name or default_key_name()
    instance = ServiceInstance(
        name=old.instance_name or old.instance_guid,
        guid=old.instance_guid,
        crn=old.instance_crn,
        location=old.region,
        resource_group=old.resource_group,
        url=old.url,
    )
    with sigint_deferred() as held:
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid), home=home)
            res.result = key.id or name
        new = build_credentials(key, instance, target)
        # The new key's only copy must reach `side`; one that cannot is deleted (or named).
        with adding(lambda: discard_key(cli, key, home=home)):
            secretfile.write_secret(
                side, creds_mod.render(new, fmt), force=False, encoding=creds_mod.file_encoding(fmt)
            )
        held.note = _both_keys(old, new, path, side)
    return new
