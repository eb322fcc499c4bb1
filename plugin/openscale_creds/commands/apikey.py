"""`api-key create`, `list` and `delete`: the API keys of the logged-in identity."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openscale_creds.cli import PROG, choice_option, dry_run, json_text, settings


def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new API key.")],
    description: Annotated[str, typer.Option("--description", help="Description of the key.")] = "",
    file: Annotated[
        Path | None,
        typer.Option("--file", metavar="FILE", help="Write the key record as JSON to FILE (0600)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Create an API key; the key is shown once, so store it now."""
    from openscale_creds.ui import check_stdout_for_secret, emit, emit_secret
    from openscale_creds.workflow.keys import create_api_key
    from openscale_creds.workflow.plans import plan_api_key_create

    desc = description or f"created by {PROG}"
    if dry_run(ctx, lambda: plan_api_key_create(name, desc)):
        return
    cloud, ui = settings(ctx).connect()
    hint = "pass --file FILE to save the key in a file instead"
    record = create_api_key(
        cloud,
        name,
        desc,
        file=file,
        force=force,
        write_stdout=lambda text: emit_secret(text, hint=hint),
        check_stdout=lambda: check_stdout_for_secret(hint=hint),
    )
    if file is None:
        ui.warn("store this key now: it cannot be retrieved again")
    else:
        public = {k: v for k, v in record.items() if k != "apikey"}
        emit(json_text({**public, "file": str(file)}))


def list_(
    ctx: typer.Context,
    fmt: Annotated[str, choice_option("--format", ("text", "json"), "{choices}.")] = "text",
) -> None:
    """List your API keys, marking those held by a profile or file."""
    from openscale_creds import store
    from openscale_creds.ui import emit
    from openscale_creds.workflow.apikeys import keys_document, keys_text, list_keys
    from openscale_creds.workflow.plans import plan_api_key_list

    if dry_run(ctx, plan_api_key_list):
        return
    cloud, ui = settings(ctx).connect()
    rows = list_keys(cloud, store.ProfileStore(warn=ui.warn))
    emit(json_text(keys_document(rows)) if fmt == "json" else keys_text(rows))


def delete(
    ctx: typer.Context,
    name_or_id: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="The API key's name or ID.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an API key (asks at a terminal) and drop a profile that held it."""
    import sys

    from openscale_creds import store
    from openscale_creds.workflow.apikeys import delete_key
    from openscale_creds.workflow.plans import plan_api_key_delete

    if dry_run(ctx, lambda: plan_api_key_delete(name_or_id)):
        return
    cloud, ui = settings(ctx).connect()
    asked = None if yes else _confirm if sys.stdin.isatty() else None
    delete_key(cloud, store.ProfileStore(warn=ui.warn), name_or_id, ui, confirm=asked, yes=yes)


def _confirm(question: str) -> bool:
    import sys

    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")
