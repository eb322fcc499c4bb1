"""`instance` and `ids`: what is known about one service instance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openscale_creds.choices import ID_FIELDS, INSTANCE_FIELDS
from openscale_creds.cli import (
    FormatOpt,
    LocationOpt,
    ProfileOpt,
    choice_option,
    dry_run,
    render_document,
    settings,
)

if TYPE_CHECKING:
    from openscale_creds.models import ServiceInstance
    from openscale_creds.workflow.plans import Plan

# Fields the JSON lookups give only by ID; naming them costs one more call (`with_names`). Kept
# here too so that `--field guid` imports nothing more to know it does not need that call.
NAMED_FIELDS = ("plan", "resource_group")


def instance(
    ctx: typer.Context,
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_GUID_OR_CRN", help="The service instance.")],
    location: LocationOpt = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            metavar="GROUP",
            help="Look for a name only in this resource group (default: every group).",
        ),
    ] = None,
    fmt: FormatOpt = "text",
    field: Annotated[
        str | None,
        choice_option(
            "--field", INSTANCE_FIELDS, "Print only this field, for $(...): {choices}.", metavar="FIELD"
        ),
    ] = None,
) -> None:
    """Resolve exactly one service instance and print its normalised fields.

    A GUID or CRN is found in any resource group; a name is matched exactly in --group, or in every
    group of the account (never in whatever the ibmcloud session happens to target). The plan and
    resource group names take one more ibmcloud call, made only when they are printed.
    """
    from openscale_creds.models import as_dict
    from openscale_creds.ui import emit
    from openscale_creds.workflow.instances import resolve_instance

    names = field is None or field in NAMED_FIELDS

    def plan() -> Plan:
        # Imported only for --dry-run: scripts call `instance --field guid` in loops.
        from openscale_creds.workflow.plans import plan_instance

        return plan_instance(name_or_id, location, group, names=names)

    if dry_run(ctx, plan):
        return
    cloud, _ui = settings(ctx).connect()
    found = resolve_instance(
        cloud, name_or_id, location=location, group=group, narrowing=("--group", "--location")
    )
    if names:
        from openscale_creds.workflow.instances import with_names

        found = with_names(cloud, found)
    data = as_dict(found)
    if field is not None:
        emit(f"{field_value(found, data[field], field)}\n")
    else:
        emit(render_document(data, fmt))


def field_value(found: ServiceInstance, value: str | None, field: str) -> str:
    """What `--field` prints: a value, never an empty line that `$(...)` would take for one."""
    if value is not None:
        return value
    from openscale_creds.errors import NotFound

    if field in NAMED_FIELDS:
        hint = f"ibmcloud did not name it; `--field {field}_id` gives its ID"
    elif field == "url":
        hint = f"only OpenScale instances have one; this is a {found.service_name or 'other'} instance"
    else:
        hint = "ibmcloud reported none for this instance"
    raise NotFound(f"service instance {found.name!r} has no {field}", hint=hint)


def ids(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE]", help="Use the API key and instance in this credentials file."),
    ] = None,
    profile: ProfileOpt = None,
    instance: Annotated[
        str | None,
        typer.Option(
            "--instance", metavar="NAME_OR_GUID", help="Use the ibmcloud session and this instance."
        ),
    ] = None,
    credentials_file: Annotated[
        Path | None,
        # The earlier spelling of FILE, kept for scripts (the credentials file is positional where read).
        typer.Option("--credentials", metavar="FILE", hidden=True),
    ] = None,
    fmt: FormatOpt = "text",
    field: Annotated[
        str | None,
        choice_option("--field", ID_FIELDS, "Print one column, for scripts: {choices}.", metavar="FIELD"),
    ] = None,
    service_url: Annotated[
        str | None,
        typer.Option(
            "--service-url",
            envvar="OPENSCALE_CREDS_SERVICE_URL",
            metavar="URL",
            help="OpenScale URL (default: the instance's regional URL).",
        ),
    ] = None,
) -> None:
    """Show the data mart, binding, subscription and deployment IDs of an OpenScale instance.

    The key and instance come from FILE, from a profile (-p; the default), or with --instance from
    your ibmcloud session."""
    from openscale_creds import openscale_api
    from openscale_creds.ui import emit
    from openscale_creds.workflow.ids import IdsOptions, read_ids
    from openscale_creds.workflow.plans import plan_ids

    cfg = settings(ctx)
    iam_url = os.environ.get("OPENSCALE_CREDS_IAM_URL") or openscale_api.DEFAULT_IAM_URL
    if file is not None and credentials_file is not None:
        from openscale_creds.errors import UsageError

        raise UsageError("pass the credentials FILE once (--credentials is its old spelling)")
    opts = IdsOptions(
        instance, file or credentials_file, iam_url, service_url, timeout=cfg.timeout, profile=profile
    )
    if dry_run(ctx, lambda: plan_ids(instance, iam_url)):
        return
    result = read_ids(lambda: cfg.connect()[0], opts)
    if field is not None:
        emit(openscale_api.ids_field(result, field) + "\n")
    else:
        document = openscale_api.ids_to_document(result)
        emit(render_document(document, fmt, lambda: openscale_api.render_ids_text(result)))
