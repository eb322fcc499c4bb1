"""`api-key create`: a new key, shown once or saved to a 0600 file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openscale_creds.cli import PROG, dry_run, json_text, settings


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
