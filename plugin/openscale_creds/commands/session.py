"""`login`, `target` and `doctor`: the ibmcloud session."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from openscale_creds.cli import (
    AccountOpt,
    ApiKeyFileOpt,
    BrowserOpt,
    GroupOpt,
    NoRegionOpt,
    PasscodeStdinOpt,
    RegionOpt,
    SsoOpt,
    dry_run,
    login_options,
    settings,
)

if TYPE_CHECKING:
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
) -> None:
    """Log ibmcloud in (API key from IBMCLOUD_API_KEY or --apikey-file, or --sso); reuse a usable session."""
    from openscale_creds.workflow import login as flow
    from openscale_creds.workflow.plans import plan_login

    opts = login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser)
    if dry_run(ctx, lambda: plan_login(opts, os.environ)):
        return
    cloud, ui = settings(ctx).connect(passcode_stdin=passcode_stdin)
    _target, fresh = flow.login(cloud, opts, ui, environ=os.environ)
    if not fresh:
        ui.info("Already logged in; nothing to do.")


def target(
    ctx: typer.Context,
    group: Annotated[str, typer.Argument(help="Resource group name or ID.")],
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
    emit(rows_text(target_rows(targeted)))


def doctor(ctx: typer.Context) -> None:
    """Find the CLI, show its version, login state and target, and say what to fix."""
    from openscale_creds.ui import emit
    from openscale_creds.workflow.login import doctor as diagnose
    from openscale_creds.workflow.plans import plan_doctor

    if dry_run(ctx, plan_doctor):
        return
    cloud, ui = settings(ctx).connect()
    diagnose(cloud, ui, lambda rows: emit(rows_text(rows)))


def rows_text(rows: Rows) -> str:
    return "".join(f"{label + ':':<16}{value}\n" for label, value in rows)
