"""`parse`: read captured `ibmcloud` output (a file or stdin) as one of the parsers' kinds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from openscale_creds.errors import UnrecognisedOutput, UsageError


def parse_captured(kind: str, file: Path | None) -> Any:
    """The JSON-ready parse of `file` (stdin when None); unreadable text is kept for the bug report."""
    from openscale_creds.parsers import parse

    if file is None:
        data = sys.stdin.buffer.read()
    else:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    text = data.decode("utf-8", errors="replace")
    try:
        return parse(kind, text)
    except UnrecognisedOutput as exc:
        exc.raw = text
        raise
