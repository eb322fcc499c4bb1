"""`list`, `env`, `exec` and `remove`: the stored profiles and using them without new keys."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from openscale_creds.choices import CREDENTIAL_FORMATS
from openscale_creds.cli import (
    FormatOpt,
    ProfileOpt,
    choice_option,
    complete_profile,
    render_document,
    settings,
)

if TYPE_CHECKING:
    from openscale_creds.cli import Settings


def list_(
    ctx: typer.Context,
    fmt: FormatOpt = "text",
    verify: Annotated[
        bool,
        typer.Option(
            "--verify", help="Also check each key in a private session: ok / rejected / instance gone."
        ),
    ] = False,
) -> None:
    """List the profiles: instance, API key, where its secret is, and the default."""
    from openscale_creds import store
    from openscale_creds.ui import TerminalUi, emit
    from openscale_creds.workflow import profiles as flow

    cfg = settings(ctx)
    if cfg.dry_run:
        # No ibmcloud command runs without --verify; with it, each profile's verify plan.
        _comment(
            cfg, "lists the profiles" + (", logging in with each key in a private session" if verify else "")
        )
        return
    ui = TerminalUi()
    profiles = store.ProfileStore(warn=ui.warn)
    rows = flow.list_profiles(
        profiles,
        current=store.current_name(),
        verify_with=(lambda: cfg.connect()[0]) if verify else None,
        ui=ui,
    )
    emit(render_document(flow.rows_document(rows), fmt, lambda: flow.rows_text(rows)))


def env(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    fmt: Annotated[
        str | None,
        choice_option(
            "--format",
            CREDENTIAL_FORMATS,
            "{choices} (default: the shell you are typing in).",
            metavar="FORMAT",
        ),
    ] = None,
) -> None:
    """Print a profile's credentials in a shell's syntax (eval it), creating nothing."""
    from openscale_creds import credentials, store
    from openscale_creds.ui import TerminalUi, emit
    from openscale_creds.workflow import profiles as flow

    cfg = settings(ctx)
    name = flow.profile_name(profile)
    chosen = fmt or flow.env_format(cfg.shell)
    if cfg.dry_run:
        _comment(cfg, f"prints the credentials of profile {name} as {chosen}; runs no ibmcloud command")
        return
    creds = store.ProfileStore(warn=TerminalUi().warn).credentials(name)
    emit(credentials.render(creds, chosen))


def exec_(
    ctx: typer.Context,
    command: Annotated[
        list[str] | None, typer.Argument(metavar="-- COMMAND [ARGS]...", help="The command to run.")
    ] = None,
    profile: ProfileOpt = None,
) -> None:
    """Run COMMAND with a profile's credentials in its environment; its exit code is ours."""
    from openscale_creds import errors, store
    from openscale_creds.ui import TerminalUi
    from openscale_creds.workflow import profiles as flow

    cfg = settings(ctx)
    argv = list(command or [])
    if not argv:
        raise errors.UsageError(
            "exec needs a COMMAND to run", hint="openscale-creds exec -p NAME -- COMMAND [ARGS...]"
        )
    name = flow.profile_name(profile)
    if cfg.dry_run:
        _comment(cfg, f"runs {argv[0]} with the credentials of profile {name}; runs no ibmcloud command")
        return
    creds = store.ProfileStore(warn=TerminalUi().warn).credentials(name)
    raise typer.Exit(flow.run_with_credentials(argv, creds, os.environ))


# Options stop at COMMAND: `exec -p prod python -c ...` passes `-c` to python, as `--` would.
exec_.context_settings = {"allow_interspersed_args": False}  # type: ignore[attr-defined]


def remove(
    ctx: typer.Context,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            "-p",
            metavar="NAME",
            help="The profile to remove (required: no default).",
            autocompletion=complete_profile,
        ),
    ],
    keep_key: Annotated[
        bool,
        typer.Option("--keep-key", help="Remove only the local copy; the API key stays in IBM Cloud."),
    ] = False,
) -> None:
    """Delete a profile's API key in IBM Cloud, then its stored secret and the profile."""
    from openscale_creds import store
    from openscale_creds.ui import TerminalUi
    from openscale_creds.workflow import profiles as flow

    cfg = settings(ctx)
    name = store.validate_name(profile)
    if cfg.dry_run:
        from openscale_creds.cli import print_plan
        from openscale_creds.workflow.plans import plan_remove

        print_plan(cfg, plan_remove(name, keep_key))
        return
    ui = TerminalUi()
    profiles = store.ProfileStore(warn=ui.warn)
    removed = flow.remove_profile(lambda: cfg.connect()[0], profiles, name, ui, keep_key=keep_key)
    gone = removed.profile
    key = f"API key {gone.api_key_name or ''} ({gone.api_key_id or 'no id'})"
    if removed.key_deleted:
        ui.info(f"Deleted {key} in IBM Cloud and removed profile {name}")
    else:
        ui.info(f"Removed profile {name}; {key} still exists in IBM Cloud")
    if gone.secret.kind == "file":
        state = "a deleted key" if removed.key_deleted else "that key, which still works,"
        ui.warn(f"{gone.secret.path} still holds {state}: delete the file when you no longer need it")


def _comment(cfg: Settings, text: str) -> None:
    """--dry-run of a command that runs no ibmcloud command: what it would do, as a comment."""
    from openscale_creds.cli import print_plan
    from openscale_creds.workflow.plans import PlanStep

    print_plan(cfg, [PlanStep(None, text)])
