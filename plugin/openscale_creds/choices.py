"""Every fixed list of values an option accepts, each defined once, for the option parser.

Kept free of imports so the CLI can declare its options at start-up without loading the modules
that use the values. Lists that another module derives (a dataclass's fields, a parser table)
are checked equal to it by tests/test_cli.py.
"""

from __future__ import annotations

from typing import Literal, get_args

Shell = Literal["posix", "cmd", "bat", "powershell", "powershell5"]
SHELLS: tuple[Shell, ...] = get_args(Shell)

# `--format` of every command that prints a report (README "The option rule"): text for people,
# json and yaml the same one document for programs.
OUTPUT_FORMATS = ("text", "json", "yaml")
# = credentials.FORMATS: `--format` where the output IS credentials (`env`, `setup --out`, `rotate FILE`)
CREDENTIAL_FORMATS = ("yaml", "json", "env", "powershell", "cmd", "fish", "dotenv")
# `setup` and `rotate`: the credentials' format where a file is named (`--out`, FILE), else the report's
SETUP_FORMATS = ("text", *CREDENTIAL_FORMATS)
# `api-key create`: its output is the key record, which ibmcloud reads as JSON; no text form
KEY_RECORD_FORMATS = ("json", "yaml")
# = models.INSTANCE_FIELDS: `instance --field`
INSTANCE_FIELDS = (
    "name",
    "guid",
    "crn",
    "location",
    "service_name",
    "plan",
    "plan_id",
    "resource_group",
    "resource_group_id",
    "state",
    "type",
    "created_at",
    "updated_at",
    "url",
)
# = openscale_api.ID_FIELDS: `ids --field`
ID_FIELDS = (
    "data_mart_id",
    "service_url",
    "api_version",
    "binding_id",
    "binding_ids",
    "subscription_id",
    "subscription_ids",
    "deployment_id",
    "deployment_ids",
)
# = parsers.KINDS: `parse KIND`
PARSE_KINDS = ("login", "target", "api-key", "instance", "instances", "oauth-tokens", "version")
