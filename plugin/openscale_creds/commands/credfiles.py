"""`setup`, `verify` and `rotate`: a profile (or a credentials file) and the key in it."""

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
    ProfileOpt,
    RegionOpt,
    SsoOpt,
    StoreOpt,
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
        typer.Option(
            "--out",
            metavar="FILE|-",
            help="Also write the credentials to FILE, or - for stdout (default: none).",
        ),
    ] = None,
    profile: ProfileOpt = None,
    store_in: StoreOpt = None,
    fmt: Annotated[
        str | None,
        choice_option(
            "--format",
            CREDENTIAL_FORMATS,
            "{choices} (default: from the --out extension, else yaml).",
            metavar="FORMAT",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Overwrite an existing output file; repoint a profile at another instance."
        ),
    ] = False,
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Create a new key even if the profile's key still works.")
    ] = False,
    # The earlier release's option; reusing a working key is now what setup does anyway.
    reuse_key: Annotated[bool, typer.Option("--reuse-key", hidden=True)] = False,
    location: LocationOpt = None,
    sso: SsoOpt = False,
    apikey_file: ApiKeyFileOpt = None,
    passcode_stdin: PasscodeStdinOpt = False,
    account: AccountOpt = None,
    region: RegionOpt = None,
    no_region: NoRegionOpt = False,
    browser: BrowserOpt = None,
) -> None:
    """Log in, find the instance, reuse or create an API key, and store the credentials."""
    from openscale_creds import credentials, store
    from openscale_creds.ui import check_stdout_for_secret, emit_secret
    from openscale_creds.workflow.plans import plan_setup
    from openscale_creds.workflow.profiles import profile_name
    from openscale_creds.workflow.setup import SetupOptions
    from openscale_creds.workflow.setup import setup as flow

    opts = SetupOptions(
        instance=instance,
        login=login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser),
        out=out,
        fmt=fmt or credentials.format_from_path(out),
        key_name=key_name,
        force=force,
        reuse_key=reuse_key,
        location=location,
        profile=profile_name(profile),
        new_key=new_key,
    )
    if dry_run(ctx, lambda: plan_setup(opts, os.environ)):
        return
    cloud, ui = settings(ctx).connect(passcode_stdin=passcode_stdin)
    hint = "pass --out FILE to save the credentials in a file instead"
    profiles = store.ProfileStore(store=store_in, warn=ui.warn)
    result = flow(
        cloud,
        opts,
        ui,
        environ=os.environ,
        write_stdout=lambda text: emit_secret(text, hint=hint),
        check_stdout=lambda: check_stdout_for_secret(hint=hint),
        profiles=profiles,
    )
    name = result.credentials.instance_name
    if result.path is not None:
        ui.info(f"Credentials for {name} are in {result.path} (profile {opts.profile})")
    elif out is None and result.profile is not None:
        where = result.profile.secret.describe()
        ui.info(
            f"Credentials for {name} are stored as profile {opts.profile} ({where}); "
            f"use them with `openscale-creds exec -p {opts.profile} -- COMMAND` or "
            f"`openscale-creds env -p {opts.profile}`"
        )


def verify(ctx: typer.Context, file: CredentialsFileArg = None, profile: ProfileOpt = None) -> None:
    """Prove stored credentials work, in a private session that leaves yours alone."""
    from openscale_creds import store
    from openscale_creds.workflow.plans import plan_verify
    from openscale_creds.workflow.profiles import profile_name
    from openscale_creds.workflow.verify import verify as verify_creds
    from openscale_creds.workflow.verify import verify_file

    _file_or_profile(file, profile)
    name = "" if file is not None else profile_name(profile)
    if dry_run(ctx, lambda: plan_verify(file if file is not None else f"profile {name}")):
        return
    cloud, ui = settings(ctx).connect()
    if file is not None:
        found = verify_file(cloud, file, ui)
        ui.info(f"OK: the key in {file} works and sees instance {found.name} ({found.guid})")
        return
    creds = store.ProfileStore(warn=ui.warn).credentials(name)
    found = verify_creds(cloud, creds, ui)
    ui.info(f"OK: the key of profile {name} works and sees instance {found.name} ({found.guid})")


def rotate(
    ctx: typer.Context,
    file: CredentialsFileArg = None,
    profile: ProfileOpt = None,
    store_in: StoreOpt = None,
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
    """Create a new key, store and verify it, then delete the old key."""
    from openscale_creds import store
    from openscale_creds.workflow.plans import plan_rotate, plan_rotate_profile
    from openscale_creds.workflow.profiles import follow_file, profile_name, rotate_profile
    from openscale_creds.workflow.verify import rotate as flow

    _file_or_profile(file, profile)
    name = "" if file is not None else profile_name(profile)
    if dry_run(ctx, lambda: plan_rotate(file) if file is not None else plan_rotate_profile(name)):
        return
    cloud, ui = settings(ctx).connect()
    profiles = store.ProfileStore(store=store_in, warn=ui.warn)
    if file is not None:
        result = flow(cloud, file, fmt, ui)
        for moved in follow_file(profiles, file, result.credentials):
            ui.info(f"Profile {moved} now records the new key")
    else:
        result = rotate_profile(cloud, profiles, name, fmt, ui)
    if not result.old_key_deleted:
        ui.warn("the old key had no recorded ID, so it was not deleted")


def _file_or_profile(file: object, profile: str | None) -> None:
    from openscale_creds.errors import UsageError

    if file is not None and profile:
        raise UsageError("pass a credentials FILE or -p NAME, not both")
