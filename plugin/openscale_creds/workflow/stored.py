"""Reading a credentials file the tool wrote (any of its formats)."""

from __future__ import annotations

from pathlib import Path

from openscale_creds import credentials as creds_mod
from openscale_creds import redact, secretfile
from openscale_creds.credentials import Credentials
from openscale_creds.errors import CredsError


def credentials_path(file: Path | None) -> Path:
    """`file`, or the config folder's credentials.yaml."""
    return file if file is not None else secretfile.default_credentials_path()


def load_credentials_file(path: Path) -> Credentials:
    """The credentials in `path`, their key registered as a secret; UsageError naming the file."""
    return load_credentials_with_format(path)[0]


def load_credentials_with_format(path: Path) -> tuple[Credentials, str]:
    """(credentials, the file's own format) of `path`, read within `readfile`'s type and size limits,
    the key registered as a secret; one-line UsageError naming the file."""
    creds, fmt = creds_mod.load_file(path)
    redact.register(creds.apikey)
    return creds, fmt


def load_if_readable(path: Path) -> Credentials | None:
    """The credentials in `path`, or None when it holds none (for `setup --reuse-key`)."""
    try:
        return load_credentials_file(path)
    except CredsError:
        return None
