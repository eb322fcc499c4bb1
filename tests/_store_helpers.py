"""Plumbing for the profile-store tests: run a small Python program against the store the way the
CLI will, in a real process whose HOME is the test's isolated home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KEY = "Kx9-teststore-0123456789abcdefghijklmnopqrstu"
OTHER_KEY = "Zq7-otherstore-9876543210zyxwvutsrqponmlkjih"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


def run_python(code: str, env: Mapping[str, str | None] | None = None, timeout: float = 60) -> Ran:
    """Run `code` in a fresh interpreter with the test's environment plus `env` (None unsets)."""
    full = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=full,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


# Prints the outcome of the statements in `body` as one JSON line: {"ok": result} or the CredsError.
_WRAP = """
import json, sys
from openscale_creds import errors, store
try:
{body}
except errors.CredsError as exc:
    print(json.dumps({{"error": type(exc).__name__, "message": str(exc), "exit": int(exc.exit_code)}}))
else:
    print(json.dumps({{"ok": result}}))
"""


def store_call(body: str, env: Mapping[str, str | None] | None = None) -> Ran:
    """Run the statements `body` (with `store` and `errors` imported; they set `result`) in a fresh
    process; its stdout is one JSON line with `result` or the CredsError."""
    return run_python(_WRAP.format(body=textwrap.indent(textwrap.dedent(body).strip(), "    ")), env)


def config_dir(home: Path) -> Path:
    return home / ".config" / "openscale-creds"


def files_text(folder: Path) -> str:
    """Everything under `folder`, read as text (to search for a key that must not be there)."""
    return "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )
