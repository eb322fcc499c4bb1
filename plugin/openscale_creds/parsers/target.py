"""`ibmcloud target` (and the target block that ends `ibmcloud login`) -> `Target`.

Text, any era (reference §3.2, §3.3)::

    API endpoint:      https://cloud.ibm.com
    Region:            us-south
    User:              test-user
    Account:           Test Account (fb6......e95) <-> 2...122
    Resource group:    No resource group targeted, use 'ibmcloud target -g RESOURCE_GROUP'
    CF API endpoint:

becomes ``Target(logged_in=True, api_endpoint="https://cloud.ibm.com", region="us-south",
user="test-user", account=Account("Test Account", "fb6......e95", "2...122"), resource_group=None)``.
`Region:` followed by `Not logged in.` gives ``logged_in=False``. `ibmcloud target --output json`
(whose shape is only inferred, §3.5) is read defensively: nested objects or plain strings, any may be null.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ParseError
from ..models import Account, Target
from ..rules import OK_WORDS
from .common import Line, json_text, open_output, parse_account, split_colon

COMMAND = "target"

_LABELS = {
    "api endpoint": "api_endpoint",
    "region": "region",
    "user": "user",
    "account": "account",
    "resource group": "resource_group",
}
_NOT_LOGGED_IN = re.compile(r"^Not logged in\.")
_TARGETED_FIELDS = {"account": "account", "resource group": "resource_group", "region": "region"}
_TARGETED = re.compile(r"^Targeted (account|resource group|region) (.*\S)$")
# The hint embeds the path of the program that printed it (`C:\...\ibmcloud.exe target -g ...`).
_NO_GROUP = re.compile(r"^No resource group targeted\b")
_NO_ACCOUNT = re.compile(r"^No account targeted\b")


@dataclass
class TargetFields:
    """What the lines of a target block or login transcript said, last line winning."""

    api_endpoint: str | None = None
    region: str | None = None
    user: str | None = None
    account: Account | None = None
    resource_group: str | None = None
    not_logged_in: bool = False
    ok: bool = False
    targeted_account: bool = False

    def identity_shown(self) -> bool:
        return self.user is not None or self.account is not None

    def to_target(self, logged_in: bool) -> Target:
        return Target(
            logged_in=logged_in,
            api_endpoint=self.api_endpoint,
            region=self.region,
            user=self.user,
            account=self.account,
            resource_group=self.resource_group,
        )


def read_target_lines(lines: Sequence[Line]) -> TargetFields:
    """Collect the target rows, `Targeted ...` lines and `Not logged in.` from any run of lines.

    Unknown rows (`CF API endpoint:`, `Tip: ...`, prompts, menus) are ignored.
    """
    fields = TargetFields()
    for line in lines:
        text = line.text.strip()
        if _NOT_LOGGED_IN.match(text):
            fields.not_logged_in = True
            continue
        if text in OK_WORDS:
            fields.ok = True
            continue
        targeted = _TARGETED.match(text)
        if targeted:
            what, value = targeted.groups()
            if what == "account":
                fields.targeted_account = True
            _set(fields, _TARGETED_FIELDS[what], value)
            continue
        pair = split_colon(text)
        if pair is not None and pair[0].casefold() in _LABELS:
            _set(fields, _LABELS[pair[0].casefold()], pair[1])
    return fields


def _set(fields: TargetFields, name: str, value: str) -> None:
    value = value.strip()
    if name == "account":
        if not value or _NO_ACCOUNT.match(value):
            fields.account = None
            return
        account = parse_account(value)
        if account is None:
            # A redacted `Account: xxxxx` must not hide the account a `Targeted account` line named.
            if fields.account is not None and fields.account.guid:
                return
            account = Account(value, "")
        fields.account = account
    elif name == "resource_group":
        fields.resource_group = None if not value or _NO_GROUP.match(value) else value
    elif name == "region":
        fields.region = value or None
    elif name == "user":
        fields.user = value or None
    elif name == "api_endpoint":
        fields.api_endpoint = value or None


def parse_target(text: str) -> Target:
    """`ibmcloud target` output (text or `--output json`) -> Target.

    `Not logged in.` anywhere gives ``logged_in=False``; otherwise a `User:` or `Account:` value
    is required, since a block without either does not say whether a session exists.
    An unparseable `Account:` value (a redacted `xxxxx`) becomes ``Account(value, "")``.
    """
    output = open_output(text, COMMAND, failure_ok=True)
    if output.is_json:
        return target_from_json(output.value)
    lines = output.lines
    fields = read_target_lines(lines)
    if fields.not_logged_in:
        return fields.to_target(False)
    output.raise_failure()
    if fields.identity_shown():
        return fields.to_target(True)
    raise ParseError(
        COMMAND,
        "no `User:` or `Account:` row and no `Not logged in.`",
        line=lines[0].text,
        lineno=lines[0].lineno,
    )


def target_from_json(data: Any) -> Target:
    """The object `ibmcloud target --output json` prints (INFERRED shape, reference §3.5)."""
    if not isinstance(data, dict):
        raise ParseError(COMMAND, "expected a JSON object")
    if not any(key in data for key in _LABELS.values()):
        raise ParseError(
            COMMAND, "the JSON object has no target field (api_endpoint, region, user, account...)"
        )
    api_endpoint = _json_text(data.get("api_endpoint"), "api_endpoint")
    region = _json_text(_pick(data.get("region"), "name"), "region")
    user = _json_text(_pick(data.get("user"), "user_email", "display_name"), "user")
    account = None
    raw_account = data.get("account")
    if isinstance(raw_account, dict):
        guid = _json_text(raw_account.get("guid"), "account.guid")
        name = _json_text(raw_account.get("name"), "account.name")
        if guid or name:
            account = Account(name or "", guid or "")
    elif raw_account is not None:
        raise ParseError(COMMAND, "`account` is not a JSON object")
    group = data.get("resource_group")
    group_name = _json_text(_pick(group, "name"), "resource_group")
    group_id = _json_text(group.get("guid"), "resource_group.guid") if isinstance(group, dict) else None
    return Target(
        logged_in=user is not None or account is not None,
        api_endpoint=api_endpoint,
        region=region,
        user=user,
        account=account,
        resource_group=group_name,
        resource_group_id=group_id,
    )


def _pick(value: Any, *keys: str) -> Any:
    """A nested object's first non-empty `keys` entry, or the value itself when it is not an object."""
    if isinstance(value, dict):
        for key in keys:
            if value.get(key):
                return value[key]
        return None
    return value


def _json_text(value: Any, name: str) -> str | None:
    # Exactly as given: a resource group name may have outer spaces.
    return json_text(value, f"`{name}`", COMMAND)
