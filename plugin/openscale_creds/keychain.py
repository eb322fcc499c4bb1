"""The OS keychain, through `keyring`: one entry per profile holding the API key itself.

The entry's service is ``openscale-creds`` and its user name the profile name, so the key shows up
under those names in Seahorse, Keychain Access or the Windows Credential Manager.

`find()` answers "does a keychain work here?": keyring must pick a backend it *recommends* (its
own rule: priority 1 or more). Its fail and null backends (nothing found), a chainer with nothing
recommended to chain, and the plaintext or password-file backends of ``keyrings.alt`` (priority
below 1, "not recommended") do not count: with them the secret would be in a plain file anyway, and
the profile store says so instead. A keychain that exists but refuses (locked, access denied, a
prompt dismissed) is never treated as missing: every call here turns such a failure into
`errors.Refused` naming the fix.

This is the only module that imports keyring, and only inside these functions: listing profiles,
or ``instance --field guid``, must not pay for keyring's backend discovery.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from openscale_creds import errors, redact

SERVICE = "openscale-creds"

_UNLOCK_HINT = "log in to the desktop session or unlock the login keyring, then try again"
_FILE_HINT = "or keep keys in a plain file with --store file or OPENSCALE_CREDS_STORE=file"


class Keychain:
    """The keychain keyring chose, reduced to what the profile store needs."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        # keyring's own display name, e.g. "SecretService Keyring" or "Windows WinVaultKeyring".
        self.label = str(getattr(backend, "name", None) or type(backend).__name__)

    def __repr__(self) -> str:
        return f"Keychain({self.label!r})"

    def get(self, profile: str) -> str | None:
        """The key stored for `profile`, or None when there is no entry."""
        try:
            found = self._backend.get_password(SERVICE, profile)
        except Exception as exc:  # backends raise their own types (D-Bus, WinError, Keychain OSStatus)
            raise self._refused(exc, "read", profile, None, _UNLOCK_HINT) from None
        if found is not None:
            redact.register(found)
        return None if found is None else str(found)

    def set(self, profile: str, secret: str) -> None:
        redact.register(secret)
        try:
            self._backend.set_password(SERVICE, profile, secret)
        except Exception as exc:
            raise self._refused(exc, "store", profile, secret, f"{_UNLOCK_HINT}, {_FILE_HINT}") from None

    def delete(self, profile: str) -> bool:
        """Remove the entry; False when there was none (deleting twice is not an error)."""
        if self.get(profile) is None:
            return False
        try:
            self._backend.delete_password(SERVICE, profile)
        except Exception as exc:
            from keyring.errors import PasswordDeleteError

            if isinstance(exc, PasswordDeleteError) and self.get(profile) is None:
                return False  # gone in between: someone else deleted it
            raise self._refused(exc, "delete", profile, None, _UNLOCK_HINT) from None
        return True

    def _refused(
        self, exc: Exception, verb: str, profile: str, secret: str | None, hint: str
    ) -> errors.Refused:
        from keyring.errors import KeyringLocked

        if isinstance(exc, KeyringLocked) or "locked" in type(exc).__name__.lower():
            done = {"read": "read", "store": "stored", "delete": "deleted"}[verb]
            return errors.Refused(
                f"the keychain ({self.label}) is locked, so the key of profile {profile!r} cannot be {done}",
                hint=hint,
            )
        return errors.Refused(
            f"the keychain ({self.label}) refused to {verb} the key of profile {profile!r}: "
            f"{_describe(exc, secret)}",
            hint=hint,
        )


def _describe(exc: Exception, secret: str | None) -> str:
    # A backend's message is about the keychain, but never let it carry the key back out.
    text = (str(exc).strip().splitlines() or [""])[0]
    if secret:
        text = text.replace(secret, redact.MASK)
    text = redact.mask(text)[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def find() -> Keychain | None:
    """The keychain keyring would use here, or None when no keychain works (see the module
    docstring). The user's own keyring configuration (``PYTHON_KEYRING_BACKEND``, keyringrc.cfg)
    is honoured, as every keyring-based tool does."""
    if _surely_none():
        return None
    import keyring
    from keyring.backends import chainer

    try:
        backend = keyring.get_keyring()
    except Exception:  # a keyringrc.cfg naming a backend that cannot load: no keychain works
        return None
    candidates = list(backend.backends) if isinstance(backend, chainer.ChainerBackend) else [backend]
    # The chainer writes to the first backend that accepts a write; using that backend directly
    # keeps a plaintext backend further down the chain from ever receiving a key.
    for candidate in candidates:
        if is_keychain(candidate):
            return Keychain(candidate)
    return None


def is_keychain(backend: Any) -> bool:
    """Whether keyring recommends `backend` (priority 1 or more) and it is not one of
    ``keyrings.alt``'s file backends."""
    if type(backend).__module__.startswith("keyrings.alt"):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # a backend whose priority check fails is not viable
        return False
    return priority >= 1


# What keyring itself ships for Linux; any other `keyring.backends` entry point is a third-party backend.
_OWN_BACKENDS = "keyring.backends."


def _surely_none() -> bool:
    """True when keyring would surely find no keychain here, answered without importing it (its
    import and backend discovery cost 100 ms or more, paid by every `setup` on a headless machine).

    Only on Linux, with no ``PYTHON_KEYRING_BACKEND``, no keyringrc.cfg where keyring looks
    (``$XDG_CONFIG_HOME/python_keyring``, else ``~/.config/python_keyring``), no D-Bus session bus
    (neither ``DBUS_SESSION_BUS_ADDRESS`` nor the ``$XDG_RUNTIME_DIR/bus`` socket: keyring's Secret
    Service backend needs the variable, libsecret and KWallet the bus), neither ``gi`` nor ``dbus``
    installed (libsecret's and KWallet's bindings, which could start a bus), and no backend but
    keyring's own registered. In every other case keyring decides, as before."""
    env = os.environ
    if not sys.platform.startswith("linux") or env.get("PYTHON_KEYRING_BACKEND"):
        return False
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        if (config / "python_keyring" / "keyringrc.cfg").exists():
            return False
        runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
        if os.path.exists(os.path.join(runtime, "bus")):
            return False
    except (OSError, RuntimeError):  # no home to look in: let keyring decide
        return False
    from importlib.util import find_spec

    if find_spec("gi") is not None or find_spec("dbus") is not None:
        return False
    return not _third_party_backends()


def _third_party_backends() -> bool:
    """Whether an installed distribution other than keyring registers a ``keyring.backends`` entry
    point, read from the ``entry_points.txt`` of each ``*.dist-info``/``*.egg-info`` on sys.path as
    importlib.metadata does (importing importlib.metadata alone costs 10 to 30 ms). A sys.path entry
    that is not a plain folder (a zip) counts as one: it is not looked into."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except NotADirectoryError:
            if os.path.exists(folder):
                return True
            continue
        except OSError:
            continue
        if any(_registers_others(folder, name) for name in names):
            return True
    return False


def _registers_others(folder: str, name: str) -> bool:
    """Whether the distribution `name` in `folder` registers a backend that is not keyring's own."""
    if not name.endswith((".dist-info", ".egg-info")):
        return False
    try:
        with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return False
    if "keyring.backends" not in text:
        return False
    if not name.lower().startswith("keyring-"):
        return True
    group = text.split("[keyring.backends]", 1)[-1].split("\n[", 1)[0]
    values = [line.partition("=")[2].strip() for line in group.splitlines() if "=" in line]
    return not all(value.startswith(_OWN_BACKENDS) for value in values)
