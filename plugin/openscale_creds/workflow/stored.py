"""Reading a credentials file the tool wrote (any of its formats)."""

from __future__ import annotations

from pathlib import Path

from openscale_creds import credentials as creds_mod
from openscale_creds import redact, secretfile
from openscale_creds.credentials import Credentials
from openscale_creds.errors import CredsError, UsageError


def credentials_path(file: Path | None) -> Path:
    """`file`, or the config folder's credentials.yaml."""
    return file if file is not None else secretfile.default_credentials_path()


def load_credentials_file(path: Path) -> Credentials:
    """The credentials in `path`, their key registered as a secret; UsageError naming the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"credentials file {path} does not exist", hint="create it with `openscale-creds setup`"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        creds = creds_mod.load(data)
    except UsageError as exc:
        exc.message = f"{path}: {exc.message}"
        raise
    redact.register(creds.apikey)
    return creds


def load_if_readable(path: Path) -> Credentials | None:
    """The credentials in `path`, or None when it holds none (for `setup --reuse-key`)."""
    try:
        return creds_mod.load(path.read_bytes())
    except (CredsError, OSError, ValueError):
        return None
