"""`setup`, `verify` and `rotate`: a profile (or a credentials file) and the key in it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openscale_creds.choices import SETUP_FORMATS
from openscale_creds.cli import (
    AccountOpt,
    ApiKeyFileOpt,
    BrowserOpt,
    CredentialsFileArg,
    FormatOpt,
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
    render_document,
    settings,
)

if TYPE_CHECKING:
    from openscale_creds.store import Profile


def _old_instance_spelling(ctx: typer.Context, value: str | None) -> str | None:
    """`setup --instance X`, the earlier spelling of `setup X`: X becomes NAME_OR_GUID's value when
    no NAME_OR_GUID is given (Click reads an absent argument from the context's default map, and
    eager options are read first); `setup` refuses both with different values."""
    if value is None or ctx.resilient_parsing:
        return value
    ctx.default_map = {**(ctx.default_map or {}), "name_or_guid": value}
    ctx.meta["setup --instance"] = value
    return value


def setup(
    ctx: typer.Context,
    name_or_guid: Annotated[
        str, typer.Argument(metavar="NAME_OR_GUID", help="The OpenScale instance: its name, GUID or CRN.")
    ],
    # The earlier spelling of NAME_OR_GUID, kept for scripts for one release (the instance is
    # positional where it is the main object); it fills NAME_OR_GUID before that is read.
    instance_opt: Annotated[
        str | None,
        typer.Option(
            "--instance", metavar="NAME_OR_GUID", hidden=True, is_eager=True, callback=_old_instance_spelling
        ),
    ] = None,
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
            SETUP_FORMATS,
            "With --out, the credentials' format: yaml, json, env, powershell, cmd, fish, dotenv "
            "(default: from the extension, else yaml); without, what is printed: text, json, yaml.",
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

    old_spelling = ctx.meta.get("setup --instance")
    if old_spelling is not None and old_spelling != name_or_guid:
        from openscale_creds.errors import UsageError

        raise UsageError("pass the instance once (--instance is the old spelling of NAME_OR_GUID)")
    instance = name_or_guid
    report = _setup_report_format(fmt, out)
    opts = SetupOptions(
        instance=instance,
        login=login_options(sso, apikey_file, passcode_stdin, account, region, no_region, group, browser),
        out=out,
        fmt=fmt if out is not None and fmt is not None else credentials.format_from_path(out),
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
    if report is not None:
        from openscale_creds.ui import emit

        saved = result.profile or store.Profile.from_credentials(opts.profile, result.credentials)
        emit(render_document(profile_report(saved, created_key=result.created_key), report))


def _setup_report_format(fmt: str | None, out: str | None) -> str | None:
    """setup's `--format`: with --out it is the credentials' format (None here), without it the
    report's (json or yaml print one document; text, the default, prints nothing on stdout)."""
    from openscale_creds.errors import UsageError

    if out is not None:
        if fmt == "text":
            raise UsageError(
                "--format text is for setup without --out; with --out, --format is the credentials' format"
            )
        return None
    if fmt not in (None, "text", "json", "yaml"):
        raise UsageError(
            f"--format {fmt} is a credentials format: it needs --out FILE (or --out - for stdout)"
        )
    return fmt if fmt in ("json", "yaml") else None


def profile_report(profile: Profile, **more: Any) -> dict[str, Any]:
    """setup's and rotate's JSON: the profile as `list --format json` shows it (never the key),
    then what this run did."""
    return {**profile.as_dict(), **more}


def verify(
    ctx: typer.Context, file: CredentialsFileArg = None, profile: ProfileOpt = None, fmt: FormatOpt = "text"
) -> None:
    """Prove stored credentials work, in a private session that leaves yours alone."""
    from openscale_creds import store
    from openscale_creds.ui import emit
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
    else:
        creds = store.ProfileStore(warn=ui.warn).credentials(name)
        found = verify_creds(cloud, creds, ui)
        ui.info(f"OK: the key of profile {name} works and sees instance {found.name} ({found.guid})")
    if fmt != "text":  # the text view is the OK line above, on stderr
        doc = {
            "ok": True,
            "profile": None if file is not None else name,
            "file": None if file is None else str(file),
            "instance_name": found.name,
            "instance_guid": found.guid,
            "region": found.location,
        }
        emit(render_document(doc, fmt))


def rotate(
    ctx: typer.Context,
    file: CredentialsFileArg = None,
    profile: ProfileOpt = None,
    store_in: StoreOpt = None,
    fmt: Annotated[
        str | None,
        choice_option(
            "--format",
            SETUP_FORMATS,
            "With FILE, convert it to: yaml, json, env, powershell, cmd, fish, dotenv (default: keep "
            "its format); with a profile, what is printed: text, json, yaml.",
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
    _check_rotate_format(fmt, file_given=file is not None)
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
        # A profile's file keeps its format: --format is the report's here.
        result = rotate_profile(cloud, profiles, name, None, ui)
    if not result.old_key_deleted:
        ui.warn("the old key had no recorded ID, so it was not deleted")
    if file is None and fmt in ("json", "yaml"):
        from openscale_creds.ui import emit

        rotated = profile_report(
            profiles.get(name), old_api_key_id=result.old_key_id, old_key_deleted=result.old_key_deleted
        )
        emit(render_document(rotated, fmt))


def _check_rotate_format(fmt: str | None, *, file_given: bool) -> None:
    """rotate FILE's `--format` converts FILE (a credentials format); rotate -p's is the report's."""
    from openscale_creds.errors import UsageError

    if file_given and fmt == "text":
        raise UsageError(
            "--format text is for rotate -p; with a FILE, --format is the format to convert it to"
        )
    if not file_given and fmt not in (None, "text", "json", "yaml"):
        raise UsageError(
            f"--format {fmt} converts a credentials FILE: pass the FILE "
            "(a profile's own file keeps its format); with -p, --format is text, json or yaml"
        )


def _file_or_profile(file: object, profile: str | None) -> None:
    from openscale_creds.errors import UsageError

    if file is not None and profile:
        raise UsageError("pass a credentials FILE or -p NAME, not both")
