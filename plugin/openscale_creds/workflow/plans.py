"""What each command would run, for --dry-run: `ibmcloud` argument lists with their purpose.

A plan is built from the same argument builders the facade uses, so it shows what would run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openscale_creds.errors import CredsError
from openscale_creds.ibmcloud import (
    api_key_create_args,
    describe_instance_args,
    instance_args,
    login_args,
    show_instance_args,
    validate_name,
)
from openscale_creds.workflow.keys import default_key_name, key_description

if TYPE_CHECKING:
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions

_PRIVATE_SETUP = "IBMCLOUD_HOME=<temporary folder>: a private session; your own is left alone"
_SESSION_SETUP = "uses your ibmcloud session; without one, logs in with SSO first (only at a terminal)"
_PRIVATE_LOGIN = "IBMCLOUD_HOME=<temporary folder>; IBMCLOUD_API_KEY from {} is passed in the environment"


@dataclass(frozen=True)
class PlanStep:
    args: tuple[str, ...] | None  # an ibmcloud command, or None for a comment-only line
    comment: str | None = None


Plan = list[PlanStep]


def plan_login(opts: LoginOptions, environ: Mapping[str, str]) -> Plan:
    key = opts.api_key(environ)
    common = {
        "account": opts.account,
        "region": opts.region,
        "no_region": opts.no_region,
        "group": opts.group,
    }
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


def plan_setup(opts: SetupOptions, environ: Mapping[str, str]) -> Plan:
    """Two calls with the user's session, three with an API key (in a private session)."""
    from openscale_creds.rules import OPENSCALE_SERVICE

    key = opts.login.api_key(environ)
    if key is not None:
        steps = [PlanStep(None, _PRIVATE_SETUP), *plan_login(opts.login, environ)]
    elif opts.login.sso:
        steps = plan_login(opts.login, environ)
    else:
        steps = [PlanStep(None, _SESSION_SETUP)]
        if opts.login.account:
            steps.append(PlanStep(("target", "--output", "json"), "checks the session's account"))
    lookup = instance_args(opts.instance, opts.location, group=opts.login.group, service=OPENSCALE_SERVICE)
    note = (
        None
        if lookup[1] == "service-instance"
        else f"{opts.instance!r} is matched exactly, case included, in this listing"
    )
    steps.append(PlanStep(tuple(lookup), note))
    name = opts.key_name or default_key_name()
    steps.append(
        PlanStep(tuple(api_key_create_args(name, key_description(opts.instance, "<instance guid>"))))
    )
    steps.append(
        PlanStep(
            None,
            f"creates a key only if profile {opts.profile} holds no working key for the instance "
            "(--new-key: always); a replaced key is deleted with `ibmcloud iam api-key-delete ID -f`",
        ),
    )
    if opts.out is None:
        steps.append(
            PlanStep(None, f"then stores the key as profile {opts.profile} (keychain, else a 0600 file)")
        )
        return steps
    steps.append(PlanStep(None, f"then records profile {opts.profile} for the key"))
    where = "standard output" if opts.out == "-" else f"{opts.out} (mode 0600)"
    steps.append(PlanStep(None, f"then writes the {opts.fmt} credentials to {where}"))
    return steps


def plan_verify(path: Path | str) -> Plan:
    return [
        PlanStep(None, _PRIVATE_LOGIN.format(path)),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(tuple(show_instance_args("<instance guid>"))),
    ]


def plan_rotate(path: Path) -> Plan:
    from openscale_creds.workflow.stored import load_credentials_file

    old_key_id = None
    with contextlib.suppress(CredsError):  # a plan shows what it can; the real run says what is wrong
        old_key_id = load_credentials_file(path).api_key_id
    return [
        PlanStep(None, _PRIVATE_LOGIN.format(path)),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(
            tuple(api_key_create_args(default_key_name(), key_description("<instance>", "<instance guid>")))
        ),
        PlanStep(None, f"writes the new key to {path}.new, verifies it in another temporary IBMCLOUD_HOME:"),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(tuple(show_instance_args("<instance guid>"))),
        PlanStep(None, f"replaces {path}, then deletes the old key:"),
        PlanStep(("iam", "api-key-delete", old_key_id or "<old key id>", "-f")),
    ]


def plan_rotate_profile(name: str) -> Plan:
    old_key_id = _profile_key_id(name)
    return [
        PlanStep(None, _PRIVATE_LOGIN.format(f"profile {name}")),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(
            tuple(api_key_create_args(default_key_name(), key_description("<instance>", "<instance guid>")))
        ),
        PlanStep(
            None, f"stores the new key as profile {name}, verifies it in another temporary IBMCLOUD_HOME:"
        ),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(tuple(instance_args("<instance guid>", None))),
        PlanStep(None, "then deletes the old key:"),
        PlanStep(("iam", "api-key-delete", old_key_id or "<old key id>", "-f")),
    ]


def plan_remove(name: str, keep_key: bool) -> Plan:
    if keep_key:
        return [PlanStep(None, f"removes profile {name} and its stored key; runs no ibmcloud command")]
    return [
        PlanStep(None, _PRIVATE_LOGIN.format(f"profile {name}") + " (else your own session is used)"),
        PlanStep(("login", "-r", "<region>")),
        PlanStep(("iam", "api-key-delete", _profile_key_id(name) or "<key id>", "-f")),
        PlanStep(None, f"then removes profile {name} and its stored key"),
    ]


def plan_api_key_list() -> Plan:
    return [PlanStep(("iam", "api-keys", "--output", "json"))]


def plan_api_key_delete(name_or_id: str) -> Plan:
    return [
        PlanStep(("iam", "api-keys", "--output", "json"), f"finds {name_or_id}"),
        PlanStep(("iam", "api-key-delete", "<key id>", "-f"), "after you confirm (or with --yes)"),
    ]


def _profile_key_id(name: str) -> str | None:
    from openscale_creds import store

    with contextlib.suppress(CredsError):  # a plan shows what it can; the real run says what is wrong
        found = store.ProfileStore(warn=lambda _message: None).find(name)
        return found.api_key_id if found else None
    return None


def plan_target(group: str) -> Plan:
    return [PlanStep(("target", "-g", validate_name("resource group", group)))]


def plan_instance(
    name_or_id: str, location: str | None, group: str | None = None, *, names: bool = False
) -> Plan:
    """`names`: the plan or resource group is asked for, which only the text view names."""
    args = instance_args(name_or_id, location, group=group)
    note = (
        None
        if args[1] == "service-instance"
        else f"{name_or_id!r} is matched exactly, case included, in this listing"
    )
    steps = [PlanStep(tuple(args), note)]
    if names:
        described = tuple(describe_instance_args("<instance guid>"))
        steps.append(PlanStep(described, "names the plan and the resource group (the JSON gives their IDs)"))
    return steps


def plan_doctor() -> Plan:
    return [PlanStep(("--version",)), PlanStep(("target", "--output", "json"))]


def plan_api_key_create(name: str, description: str) -> Plan:
    return [PlanStep(tuple(api_key_create_args(name, description)))]


def plan_ids(instance: str | None, iam_url: str) -> Plan:
    steps = (
        [*plan_instance(instance, None), PlanStep(("iam", "oauth-tokens", "--output", "json"))]
        if instance
        else [PlanStep(None, f"exchanges the API key in the credentials file at {iam_url}")]
    )
    steps.append(PlanStep(None, "then reads service providers and subscriptions over HTTPS"))
    return steps
