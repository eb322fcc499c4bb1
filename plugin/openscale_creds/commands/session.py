"""`login`, `target` and `doctor`: the ibmcloud session."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openscale_creds.cli import (
    AccountOpt,
    ApiKeyFileOpt,
    BrowserOpt,
    FormatOpt,
    GroupOpt,
    NoRegionOpt,
    PasscodeStdinOpt,
    RegionOpt,
    SsoOpt,
    dry_run,
    login_options,
    render_document,
    settings,
)

if TYPE_CHECKING:
    from openscale_creds.models import Target
    from openscale_creds.workflow.login import Rows


def login(
    ctx: typer.Context,
    sso: SsoOpt = False,
    apikey_file: ApiKeyFileOpt = None,
    passcode_stdin: PasscodeStdinOpt = False,
    account: AccountOpt = None,
    region: RegionOpt = None,
    no_region: NoRegionOpt = False,
    group: GroupOpt = None,
    browser: BrowserOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Log ibmcloud in (API key from IBMCLOUD_API_KEY or --apikey-file, or --sso); reuse a usable session."""
    from openscale_creds.ui import emit
    from openscale_creds.workflow import login as flow
    from openscale_creds.workflow.plans import plan_login

    opts = login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser)
    if dry_run(ctx, lambda: plan_login(opts, os.environ)):
        return
    cloud, ui = settings(ctx).connect(passcode_stdin=passcode_stdin)
    targeted, fresh = flow.login(cloud, opts, ui, environ=os.environ)
    if not fresh:
        ui.info("Already logged in; nothing to do.")
    if fmt != "text":  # the text view is the progress on stderr: login prints no data for people
        emit(render_document({**target_document(targeted), "new_login": fresh}, fmt))


def target(
    ctx: typer.Context,
    group: Annotated[str, typer.Argument(help="Resource group name or ID.")],
    fmt: FormatOpt = "text",
) -> None:
    """Target a resource group, then print the resulting target."""
    from openscale_creds.ui import emit
    from openscale_creds.workflow.login import announce_session, target_rows
    from openscale_creds.workflow.plans import plan_target

    if dry_run(ctx, lambda: plan_target(group)):
        return
    cloud, ui = settings(ctx).connect()
    targeted = cloud.target_group(group)
    announce_session(ui, targeted, "target")
    emit(render_document(target_document(targeted), fmt, lambda: rows_text(target_rows(targeted))))


def doctor(ctx: typer.Context, fmt: FormatOpt = "text") -> None:
    """Find the CLI, show its version, login state and target, and say what to fix."""
    from openscale_creds.errors import CredsError
    from openscale_creds.models import Target
    from openscale_creds.ui import emit
    from openscale_creds.workflow.login import doctor as diagnose
    from openscale_creds.workflow.plans import plan_doctor

    if dry_run(ctx, plan_doctor):
        return
    cloud, ui = settings(ctx).connect()
    if fmt == "text":
        diagnose(cloud, ui, lambda rows: emit(rows_text(rows)))
        return
    # One document, also when doctor fails half-way (what it found is the diagnosis): the rows seen
    # so far become its first keys; the error still goes to stderr with its exit code.
    doc: dict[str, Any] = {"ibmcloud": None, "version": None, **target_document(Target(logged_in=False))}
    try:
        found = diagnose(cloud, ui, lambda rows: doc.update(_doctor_rows(rows)))
    except CredsError:
        emit(render_document(doc, fmt))
        raise
    emit(render_document({**doc, **target_document(found)}, fmt))


def _doctor_rows(rows: Rows) -> dict[str, Any]:
    """The CLI's path, its version and the login state, from the rows doctor shows as it finds them
    (the target's rows are taken from the Target itself, structured)."""
    keys = {"ibmcloud": "ibmcloud", "version": "version", "logged in": "logged_in"}
    found: dict[str, Any] = {keys[label]: value for label, value in rows if label in keys}
    if "logged_in" in found:
        found["logged_in"] = found["logged_in"] == "yes"
    return found


def target_document(t: Target) -> dict[str, Any]:
    """`target`, `login` and `doctor` as JSON: the session's target (README "Output formats")."""
    account = {"name": t.account.name, "guid": t.account.guid} if t.account else None
    return {
        "logged_in": t.logged_in,
        "user": t.user,
        "account": account,
        "region": t.region,
        "resource_group": t.resource_group,
        "resource_group_id": t.resource_group_id,
        "api_endpoint": t.api_endpoint,
    }


def rows_text(rows: Rows) -> str:
    return "".join(f"{label + ':':<16}{value}\n" for label, value in rows)
