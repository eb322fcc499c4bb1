"""`parse`: captured ibmcloud output in, normalised JSON out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openscale_creds.choices import PARSE_KINDS
from openscale_creds.cli import choice, json_text, settings


def parse(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND", click_type=choice(PARSE_KINDS), help="One of: " + ", ".join(PARSE_KINDS)
        ),
    ],
    file: Annotated[
        Path | None,
        typer.Argument(help="Captured ibmcloud output (default: stdin)."),
    ] = None,
) -> None:
    """Read captured ibmcloud output and print the normalised result as JSON."""
    from openscale_creds.ui import emit
    from openscale_creds.workflow.parse import parse_captured

    if settings(ctx).dry_run:
        return
    emit(json_text(parse_captured(kind, file)))
