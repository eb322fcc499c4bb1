"""openscale-creds: from the ibmcloud CLI to working IBM Watson OpenScale credentials.

For notebooks and scripts::

    import openscale_creds

    creds = openscale_creds.load()                   # OPENSCALE_CREDS_PROFILE, else "default"
    creds = openscale_creds.load("prod")             # profile "prod"
    creds = openscale_creds.load(path="creds.json")  # a file `setup --out` wrote, any format
    creds.apikey, creds.instance_guid, creds.url, creds.region

Importing this package is cheap: Typer, keyring and yaml are imported only when `load` needs them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openscale_creds.credentials import Credentials

__version__ = "0.1.0"

__all__ = ["Credentials", "CredsError", "__version__", "load"]


def load(profile: str | None = None, path: str | os.PathLike[str] | None = None) -> Credentials:
    """The stored credentials of `profile`, or those in the credentials file at `path`.

    - `path`: a file that ``openscale-creds setup --out`` or ``rotate`` wrote, in any of its formats
      (yaml, json, env, powershell, cmd, fish, dotenv); read as it is, nothing else is consulted.
    - `profile`: a profile made by ``openscale-creds setup -p NAME``; its key comes from the OS
      keychain or from the file the profile points to.
    - neither: the profile named by ``OPENSCALE_CREDS_PROFILE``, else ``default``.

    Returns a frozen `Credentials` (``apikey``, ``instance_guid``, ``url``, ``region``,
    ``resource_group``, ``instance_name``, ``instance_crn``, ``api_key_name``, ``api_key_id``,
    ``created_at``) whose ``repr`` hides the key. Raises `CredsError` (with ``exit_code`` and a
    one-line message naming the fix) when the profile or file is missing or unreadable, or the
    keychain refuses; passing both arguments is a `CredsError` too. Creates nothing and runs no
    ``ibmcloud`` command.
    """
    from openscale_creds import errors

    if profile is not None and path is not None:
        raise errors.UsageError("load() takes a profile or a path, not both")
    if path is not None:
        return _load_file(os.fspath(path))
    from openscale_creds import store

    name = store.validate_name(profile) if profile is not None else store.current_name()
    return store.ProfileStore().credentials(name)


def _load_file(path: str) -> Credentials:
    from openscale_creds import credentials, errors

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise errors.NotFound(f"no credentials file {path}", hint="check the path") from None
    except OSError as exc:
        raise errors.Refused(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        return credentials.load(data)
    except errors.CredsError as exc:
        raise type(exc)(f"{path}: {exc.message}", hint=exc.hint) from None


def __getattr__(name: str) -> Any:
    # The types are imported on first use, so `import openscale_creds` stays cheap.
    if name == "Credentials":
        from openscale_creds.credentials import Credentials

        return Credentials
    if name == "CredsError":
        from openscale_creds.errors import CredsError

        return CredsError
    raise AttributeError(f"module 'openscale_creds' has no attribute {name!r}")
