"""Pure parsers of `ibmcloud` output: `str -> model`, one module per command, no I/O.

Each parser normalises its input (escapes, BOMs, CR, trailing pad, banners, version notices), looks
rows up by key, ignores rows it does not know, and raises `errors.ParseError` naming the command and
the line, never another exception and never a half-filled model. `parse(kind, text)` is what the
`parse` command prints.

Importing this package imports no parser: each module is imported when first used, through `parse` or
one of the names below (`from openscale_creds.parsers import parse_target` imports `parsers.target`),
so `instance NAME --field guid` pays for the instance parser alone (tests/test_perf_guards.py). Code on
a hot path imports the module it needs directly (`from openscale_creds.parsers.instance import ...`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api_key import parse_api_key as parse_api_key
    from .api_keys import parse_api_keys as parse_api_keys
    from .common import Failure as Failure
    from .common import extract_json as extract_json
    from .common import find_failure as find_failure
    from .common import normalise as normalise
    from .common import parse_account as parse_account
    from .common import strip_noise as strip_noise
    from .instance import parse_instance_list_table as parse_instance_list_table
    from .instance import parse_instances as parse_instances
    from .login import parse_login as parse_login
    from .oauth_tokens import parse_oauth_tokens as parse_oauth_tokens
    from .target import parse_target as parse_target
    from .version import parse_version as parse_version

# Each name re-exported here -> the module that defines it.
_HOMES = {
    "Failure": "common",
    "extract_json": "common",
    "find_failure": "common",
    "normalise": "common",
    "parse_account": "common",
    "strip_noise": "common",
    "parse_api_key": "api_key",
    "parse_api_keys": "api_keys",
    "parse_instance_list_table": "instance",
    "parse_instances": "instance",
    "parse_login": "login",
    "parse_oauth_tokens": "oauth_tokens",
    "parse_target": "target",
    "parse_version": "version",
}

__all__ = ["KINDS", "parse", *_HOMES]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


# What `parse` shows of each model, in its documented order (the CLI's own session facts; `ims` of an
# account is not one of them).
_SHOWN_FIELDS = {
    "Target": (
        "logged_in",
        "api_endpoint",
        "account",
        "region",
        "resource_group",
        "resource_group_id",
        "user",
    ),
    "Account": ("name", "guid"),
}


def _shown(model: Any) -> dict[str, Any]:
    from .. import models

    return models.as_dict(model, {getattr(models, name): shown for name, shown in _SHOWN_FIELDS.items()})


def _instances(text: str, *, need_guids: bool) -> list[dict[str, Any]]:
    from .common import gc_paused
    from .instance import parse_instances

    with gc_paused():  # the dicts of a long listing are as many allocations again as its parse
        # The models are this call's own, so their fields dicts are handed out rather than copied.
        return list(map(vars, parse_instances(text, need_guids=need_guids)))


def _render(kind: str, text: str) -> Any:
    """`parse` for a known kind, importing only the parser it needs."""
    if kind in ("instance", "instances"):
        # `service-instance` prints each instance's GUID; the `service-instances` table does not.
        return _instances(text, need_guids=kind == "instance")
    if kind == "login":
        from .login import parse_login

        return _shown(parse_login(text))
    if kind == "target":
        from .target import parse_target

        return _shown(parse_target(text))
    if kind == "api-key":
        from .api_key import parse_api_key

        return _shown(parse_api_key(text))
    if kind == "oauth-tokens":
        from .oauth_tokens import parse_oauth_tokens

        return {"token": parse_oauth_tokens(text)}
    from .version import parse_version

    return {"version": parse_version(text)}


KINDS: tuple[str, ...] = ("login", "target", "api-key", "instance", "instances", "oauth-tokens", "version")


def parse(kind: str, text: str) -> Any:
    """Parse `text` as the output of the `kind` command; a JSON-ready value, as `parse` prints it.

    instance/instances -> list of instance dicts (fields in `models.INSTANCE_FIELDS` order);
    api-key -> {name, id, apikey, description, created_at, locked};
    target/login -> {logged_in, api_endpoint, account: {name, guid} | None, region, resource_group,
    resource_group_id, user}; oauth-tokens -> {token}; version -> {version}.
    """
    if kind not in KINDS:
        from ..errors import UsageError

        raise UsageError(f"unknown output kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")
    return _render(kind, text)
