"""`api-key list` and `api-key delete`: the identity's keys, which of them openscale-creds made, and
which profile (or file) holds each.

A key is recognised as ours by the description `keys.key_description` writes (it ends with
``created by openscale-creds``; `api-key create`'s default description says the same), and tracked
when a profile records its id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openscale_creds import errors
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import ApiKey
from openscale_creds.store import Profile, ProfileStore
from openscale_creds.workflow.ui import Ui

OURS_MARK = "created by openscale-creds"


@dataclass(frozen=True)
class KeyRow:
    key: ApiKey
    ours: bool  # described as made by openscale-creds
    holders: tuple[Profile, ...]  # the profiles that record this key

    @property
    def held_by(self) -> str:
        """`profile prod`, `profile prod (file /x/creds.json)`, or `untracked`."""
        if not self.holders:
            return "untracked"
        return ", ".join(
            f"profile {p.name}" + (f" (file {p.secret.path})" if p.secret.kind == "file" else "")
            for p in self.holders
        )


def is_ours(key: ApiKey) -> bool:
    return (key.description or "").rstrip().endswith(OURS_MARK)


def list_keys(cli: IbmCloud, profiles: ProfileStore) -> list[KeyRow]:
    """Every key `iam api-keys` lists, each with the profiles that hold it."""
    known = profiles.list()
    return [
        KeyRow(key, is_ours(key), tuple(p for p in known if p.api_key_id and p.api_key_id == key.id))
        for key in cli.list_api_keys()
    ]


def keys_document(rows: Sequence[KeyRow]) -> list[dict[str, object]]:
    """`api-key list --format json`: one object per key (never a key's value)."""
    return [
        {
            "id": row.key.id,
            "name": row.key.name,
            "description": row.key.description,
            "created_at": row.key.created_at,
            "created_by_openscale_creds": row.ours,
            "held_by": row.held_by,
            "profiles": [p.name for p in row.holders],
            "files": [p.secret.path for p in row.holders if p.secret.kind == "file"],
        }
        for row in rows
    ]


def keys_text(rows: Sequence[KeyRow]) -> str:
    headers = ["ID", "NAME", "CREATED", "OURS", "HELD BY"]
    table = [headers] + [
        [row.key.id or "-", row.key.name, row.key.created_at or "-", "yes" if row.ours else "no", row.held_by]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in table
    )


def find_key(cli: IbmCloud, name_or_id: str) -> ApiKey:
    """The one key whose id or name is `name_or_id`: NotFound (5), or Ambiguous (6) for a shared name."""
    keys = cli.list_api_keys()
    by_id = [k for k in keys if k.id == name_or_id]
    found = by_id or [k for k in keys if k.name == name_or_id]
    if not found:
        raise errors.NotFound(
            f"no API key {name_or_id!r} for the logged-in identity",
            hint="`openscale-creds api-key list` shows the keys",
        )
    if len(found) > 1:
        listed = ", ".join(k.id or "?" for k in found)
        raise errors.Ambiguous(
            f"{len(found)} API keys are named {name_or_id!r}: {listed}", hint="pass the ID"
        )
    return found[0]


def delete_key(
    cli: IbmCloud,
    profiles: ProfileStore,
    name_or_id: str,
    ui: Ui,
    *,
    confirm: Callable[[str], bool] | None,
    yes: bool,
) -> ApiKey:
    """`api-key delete`: asks `confirm` (a person at a terminal) unless `yes`; with neither, refuses
    (exit 2) before anything is deleted. Then deletes the key and drops the profiles that held it."""
    if not yes and confirm is None:
        raise errors.UsageError(
            "api-key delete asks for confirmation, and there is no terminal to ask at",
            hint="pass --yes to delete without asking",
        )
    key = find_key(cli, name_or_id)
    key_id = key.id or name_or_id
    holders = [p for p in profiles.list() if p.api_key_id == key_id]
    held = f", held by {', '.join('profile ' + p.name for p in holders)}" if holders else ""
    if not yes and confirm is not None and not confirm(f"Delete API key {key.name} ({key_id}){held}?"):
        raise errors.Refused("not deleted: not confirmed", hint="answer y, or pass --yes")
    with ui.step(f"Deleting API key {key.name} ({key_id})") as res:
        cli.delete_api_key(key_id)
        res.result = "deleted"
    for profile in holders:
        note = f" — API key {key_id} was deleted, but profile {profile.name} still records it"
        with errors.adding(note + f": run `openscale-creds remove -p {profile.name} --keep-key`"):
            profiles.delete(profile.name)
        ui.info(f"Dropped profile {profile.name}, which held that key")
        if profile.secret.kind == "file":
            ui.warn(f"{profile.secret.path} still holds the deleted key: delete the file")
    return key
