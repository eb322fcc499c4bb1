"""`setup`, `verify` and `rotate`: the credentials file and the key in it."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from openscale_creds.choices import CREDENTIAL_FORMATS
from openscale_creds.cli import (
    AccountOpt,
    ApiKeyFileOpt,
    BrowserOpt,
    CredentialsFileArg,
    GroupOpt,
    LocationOpt,
    NoRegionOpt,
    PasscodeStdinOpt,
    RegionOpt,
    SsoOpt,
    choice_option,
    dry_run,
    login_options,
    settings,
)


def setup(
    ctx: typer.Context,
    instance: Annotated[
        str, typer.Option("--instance", metavar="NAME_OR_GUID", help="The OpenScale instance.")
    ],
    group: GroupOpt = None,
    key_name: Annotated[
        str | None,
        typer.Option("--key-name", metavar="NAME", help="Name of the new API key."),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", metavar="FILE|-", help="Where to write (default: the config folder)."),
    ] = None,
    fmt: Annotated[
        str | None,
        choice_option(
            "--format",
            CREDENTIAL_FORMATS,
            "{choices} (default: from the --out extension, else yaml).",
            metavar="FORMAT",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
    reuse_key: Annotated[
        bool, typer.Option("--reuse-key", help="Keep the key already in --out for this instance.")
    ] = False,
    location: LocationOpt = None,
    sso: SsoOpt = False,
    apikey_file: ApiKeyFileOpt = None,
    passcode_stdin: PasscodeStdinOpt = False,
    account: AccountOpt = None,
    region: RegionOpt = None,
    no_region: NoRegionOpt = False,
    browser: BrowserOpt = None,
) -> None:
    """Log in, find the instance, create an API key and write OpenScale credentials."""
    from openscale_creds import credentials, secretfile
    from openscale_creds.ui import check_stdout_for_secret, emit_secret
    from openscale_creds.workflow.plans import plan_setup
    from openscale_creds.workflow.setup import SetupOptions
    from openscale_creds.workflow.setup import setup as flow

    target_path = out if out is not None else str(secretfile.default_credentials_path())
    opts = SetupOptions(
        instance=instance,
        login=login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser),
        out=target_path,
        fmt=fmt or credentials.format_from_path(target_path),
        key_name=key_name,
        force=force,
        reuse_key=reuse_key,
        location=location,
    )
    if dry_run(ctx, lambda: plan_setup(opts, os.environ)):
        return
    cloud, ui = settings(ctx).connect(passcode_stdin=passcode_stdin)
    hint = "pass --out FILE to save the credentials in a file instead"
    result = flow(
        cloud,
        opts,
        ui,
        environ=os.environ,
        write_stdout=lambda text: emit_secret(text, hint=hint),
        check_stdout=lambda: check_stdout_for_secret(hint=hint),
    )
    if result.path is not None:
        ui.info(f"Credentials for {result.credentials.instance_name} are in {result.path}")


def verify(ctx: typer.Context, file: CredentialsFileArg = None) -> None:
    """Prove stored credentials work, in a private session that leaves yours alone."""
    from openscale_creds.workflow.plans import plan_verify
    from openscale_creds.workflow.stored import credentials_path
    from openscale_creds.workflow.verify import verify_file

    path = credentials_path(file)
    if dry_run(ctx, lambda: plan_verify(path)):
        return
    cloud, ui = settings(ctx).connect()
    found = verify_file(cloud, path, ui)
    ui.info(f"OK: the key in {path} works and sees instance {found.name} ({found.guid})")


def rotate(
    ctx: typer.Context,
    file: CredentialsFileArg = None,
    fmt: Annotated[
        str | None,
        choice_option(
            "--format",
            CREDENTIAL_FORMATS,
            "Convert FILE to this format: {choices} (default: keep its own format).",
            metavar="FORMAT",
        ),
    ] = None,
) -> None:
    """Create a new key, write and verify it, then delete the old key."""
    from openscale_creds.workflow.plans import plan_rotate
    from openscale_creds.workflow.stored import credentials_path
    from openscale_creds.workflow.verify import rotate as flow

    path = credentials_path(file)
    if dry_run(ctx, lambda: plan_rotate(path)):
        return
    cloud, ui = settings(ctx).connect()
    result = flow(cloud, path, fmt, ui)
    if not result.old_key_deleted:
        ui.warn("the old key had no recorded ID, so it was not deleted")
