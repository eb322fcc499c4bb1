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
from openscale_creds.errors import NotFound, NotLoggedIn, adding
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import ServiceInstance
from openscale_creds.workflow.instances import resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
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
    return (
        f"create a new key with `openscale-creds setup --instance {creds.instance_guid} --out {out} --force`"
    )


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
    Each failure says which key is where.
    """
    old, own_format = load_credentials_with_format(path)
    fmt = fmt or own_format
    side = path.with_name(path.name + ".new")
    secretfile.check_target(side, force=False)
    with private_home() as home:
        new = _new_key_in(cli, old, path, side, fmt, ui, home, key_name=key_name)
        # Said even on Ctrl-C: the person must know which file holds which key.
        with adding(
            f" — {path} still holds the old key {old.api_key_id}; the new key {new.api_key_id} is in {side}",
            unless=(),
        ):
            verify(cli, new, ui, path=path)
        os.replace(side, path)
        ui.info(f"{path} now holds API key {new.api_key_name} ({new.api_key_id})")
        if not old.api_key_id:
            return RotateResult(new, old.api_key_id, False)
        still = (
            f" — {path} holds the new, working key {new.api_key_id}; the old key {old.api_key_id} still "
            f"exists: delete it with `ibmcloud iam api-key-delete {old.api_key_id} -f`"
        )
        with adding(still), ui.step(f"Deleting the old API key {old.api_key_id}") as res:
            cli.delete_api_key(old.api_key_id, home=home)
            res.result = "deleted"
    return RotateResult(new, old.api_key_id, True)


def _new_key_in(
    cli: IbmCloud,
    old: Credentials,
    path: Path,
    side: Path,
    fmt: str,
    ui: Ui,
    home: str,
    *,
    key_name: str | None,
) -> Credentials:
    """Log in with the old key, create its successor and write it to `side` (Ctrl-C held)."""
    with ui.step("Logging in with the current API key (private session)") as res:
        try:
            target = cli.login_apikey(old.apikey, region=old.region, no_region=not old.region, home=home)
        except NotLoggedIn as exc:
            raise NotLoggedIn(
                f"the current API key in {path} was rejected: {exc.message}",
                hint=f"it cannot create its successor; {new_key_hint(old, path)}",
            ) from None
        res.result = describe_target(target)
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
    return new
