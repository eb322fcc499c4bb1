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
from ..models import Account, Target, as_dict, as_dicts
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


# What `parse` shows of each model, in its documented order (the CLI's own session facts; `ims` of an
# account is not one of them).
_SHOWN: dict[type, tuple[str, ...]] = {
    Target: (
        "logged_in",
        "api_endpoint",
        "account",
        "region",
        "resource_group",
        "resource_group_id",
        "user",
    ),
    Account: ("name", "guid"),
}


def _shown(model: Any) -> dict[str, Any]:
    return as_dict(model, _SHOWN)


def _instances(text: str, *, need_guids: bool) -> list[dict[str, Any]]:
    with gc_paused():  # the dicts of a long listing are as many allocations again as its parse
        return as_dicts(parse_instances(text, need_guids=need_guids))


_RENDER: dict[str, Callable[[str], Any]] = {
    "login": lambda text: _shown(parse_login(text)),
    "target": lambda text: _shown(parse_target(text)),
    "api-key": lambda text: _shown(parse_api_key(text)),
    # `service-instance` prints each instance's GUID; the `service-instances` table does not.
    "instance": lambda text: _instances(text, need_guids=True),
    "instances": lambda text: _instances(text, need_guids=False),
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
