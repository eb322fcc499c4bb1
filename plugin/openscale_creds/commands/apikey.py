"""`api-key create`, `list` and `delete`: the API keys of the logged-in identity."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openscale_creds.choices import KEY_RECORD_FORMATS
from openscale_creds.cli import PROG, FormatOpt, choice_option, dry_run, render_document, settings


def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new API key.")],
    description: Annotated[str, typer.Option("--description", help="Description of the key.")] = "",
    out: Annotated[
        str | None,
        typer.Option(
            "--out", metavar="FILE|-", help="Write the key record as JSON to FILE (0600); - or none: stdout."
        ),
    ] = None,
    # The earlier spelling of --out, kept for scripts (a file that is written is --out everywhere).
    old_file: Annotated[Path | None, typer.Option("--file", metavar="FILE", hidden=True)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    fmt: Annotated[
        str,
        choice_option(
            "--format",
            KEY_RECORD_FORMATS,
            "What is printed: {choices} (the record; a file written is always JSON, as ibmcloud reads it).",
            metavar="FORMAT",
        ),
    ] = "json",
) -> None:
    """Create an API key; the key is shown once, so store it now."""
    from openscale_creds.ui import check_stdout_for_secret, emit, emit_secret
    from openscale_creds.workflow.keys import create_api_key
    from openscale_creds.workflow.plans import plan_api_key_create

    file = _out_file(out, old_file)
    desc = description or f"created by {PROG}"
    if dry_run(ctx, lambda: plan_api_key_create(name, desc)):
        return
    cloud, ui = settings(ctx).connect()
    hint = "pass --out FILE to save the key in a file instead"

    def printed(text: str) -> None:
        if fmt != "json":  # the workflow hands over the record as JSON, the form of its file
            import json

            text = render_document(json.loads(text), fmt)
        emit_secret(text, hint=hint)

    record = create_api_key(
        cloud,
        name,
        desc,
        file=file,
        force=force,
        write_stdout=printed,
        check_stdout=lambda: check_stdout_for_secret(hint=hint),
    )
    if file is None:
        ui.warn("store this key now: it cannot be retrieved again")
    else:
        public = {k: v for k, v in record.items() if k != "apikey"}
        emit(render_document({**public, "file": str(file)}, fmt))


def _out_file(out: str | None, old_file: Path | None) -> Path | None:
    """The file to write the key to, None for stdout: `--out FILE`, or its old spelling `--file`."""
    from openscale_creds.errors import UsageError

    if out is not None and old_file is not None:
        raise UsageError("pass the file once (--file is the old spelling of --out)")
    if old_file is not None:
        return old_file
    return None if out in (None, "-") else Path(str(out))


def list_(ctx: typer.Context, fmt: FormatOpt = "text") -> None:
    """List your API keys, marking those held by a profile or file."""
    from openscale_creds import store
    from openscale_creds.ui import emit
    from openscale_creds.workflow.apikeys import keys_document, keys_text, list_keys
    from openscale_creds.workflow.plans import plan_api_key_list

    if dry_run(ctx, plan_api_key_list):
        return
    cloud, ui = settings(ctx).connect()
    rows = list_keys(cloud, store.ProfileStore(warn=ui.warn))
    emit(render_document(keys_document(rows), fmt, lambda: keys_text(rows)))


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
