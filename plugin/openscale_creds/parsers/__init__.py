"""Pure parsers of `ibmcloud` output: `str -> model`, one module per command, no I/O.

Each parser normalises its input (escapes, BOMs, CR, trailing pad, banners, version notices), looks
rows up by key, ignores rows it does not know, and raises `errors.ParseError` naming the command and
the line, never another exception and never a half-filled model. `parse(kind, text)` is what the
`parse` command prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from ..models import Account, Target, as_dict
from .api_key import parse_api_key
from .api_keys import parse_api_keys
from .common import Failure, extract_json, find_failure, gc_paused, normalise, parse_account, strip_noise
from .instance import parse_instance_list_table, parse_instances
from .login import parse_login
from .oauth_tokens import parse_oauth_tokens
from .target import parse_target
from .version import parse_version

__all__ = [
    "KINDS",
    "Failure",
    "extract_json",
    "find_failure",
    "normalise",
    "parse",
    "parse_account",
    "parse_api_key",
    "parse_api_keys",
    "parse_instance_list_table",
    "parse_instances",
    "parse_login",
    "parse_oauth_tokens",
    "parse_target",
    "parse_version",
    "strip_noise",
]


def _account(account: Account | None) -> dict[str, Any] | None:
    return None if account is None else {"name": account.name, "guid": account.guid}


def _target(target: Target) -> dict[str, Any]:
    return {
        "logged_in": target.logged_in,
        "api_endpoint": target.api_endpoint,
        "account": _account(target.account),
        "region": target.region,
        "resource_group": target.resource_group,
        "resource_group_id": target.resource_group_id,
        "user": target.user,
    }


def _api_key(text: str) -> dict[str, Any]:
    key = parse_api_key(text)
    return {
        "name": key.name,
        "id": key.id,
        "apikey": key.apikey,
        "description": key.description,
        "created_at": key.created_at,
        "locked": key.locked,
    }


def _instances(text: str) -> list[dict[str, Any]]:
    with gc_paused():  # the dicts of a long listing are as many allocations again as its parse
        return [as_dict(i) for i in parse_instances(text)]


_RENDER: dict[str, Callable[[str], Any]] = {
    "login": lambda text: _target(parse_login(text)),
    "target": lambda text: _target(parse_target(text)),
    "api-key": _api_key,
    "instance": _instances,
    "instances": _instances,
    "oauth-tokens": lambda text: {"token": parse_oauth_tokens(text)},
    "version": lambda text: {"version": parse_version(text)},
}
KINDS: tuple[str, ...] = tuple(_RENDER)


def parse(kind: str, text: str) -> Any:
    """Parse `text` as the output of the `kind` command; a JSON-ready value, as `parse` prints it.

    instance/instances -> list of instance dicts (fields in `models.INSTANCE_FIELDS` order);
    api-key -> {name, id, apikey, description, created_at, locked};
    target/login -> {logged_in, api_endpoint, account: {name, guid} | None, region, resource_group,
    resource_group_id, user}; oauth-tokens -> {token}; version -> {version}.
    """
    render = _RENDER.get(kind)
    if render is None:
        raise UsageError(f"unknown output kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")
    return render(text)
