"""Named profiles: what the tool remembers about each set of credentials, and where each key is.

A profile (``default`` unless ``-p NAME`` or ``OPENSCALE_CREDS_PROFILE`` says otherwise) is the
non-secret half of a set of credentials (instance, GUID, CRN, URL, region, resource group, the API
key's name and id, when it was made) plus where its secret is:

- ``keychain``: the OS keychain, one entry holding the key itself (see keychain.py);
- ``plain-file``: ``secrets.json`` in the config folder, 0600, used where no keychain works (a
  headless server, a container) or when the user chose ``--store file``;
- ``file``: a credentials file the user asked for (``setup --out FILE``), or the ``credentials.yaml``
  an earlier release left in the config folder, read back when the key is needed;
- ``not-kept``: the key was printed (``--out -``) and kept nowhere; the profile still tracks it.

All profiles live in one JSON file, ``profiles.json`` in the config folder (``format`` 1), written
with `secretfile.write_secret` (atomic, 0600). It never holds a key. Every change runs under an
exclusive lock on ``profiles.lock`` beside it and re-reads the file inside the lock, so two ``setup``
runs at once each add their profile (a plain re-read-merge-replace would still let the slower one
overwrite the faster one's profile). Readers take no lock: the atomic replace gives them the old
file or the new one.

Which store keeps a new key: ``--store keychain|file`` / ``OPENSCALE_CREDS_STORE``, else the
keychain when one works and the plain file otherwise, which is said once on stderr (remembered in
the profiles file). A keychain that exists but refuses (locked, denied) is an error
(`errors.Refused`, exit 10) with the fix, never a silent fall-back.

A ``credentials.yaml`` left in the config folder by the earlier release becomes the ``default``
profile the first time any profile is read or written (said once). Its key stays in that file and
the profile records it as ``file <that path>``: copying it to the keychain would leave two copies
of one key with nothing saying which is current. Running ``setup -p default`` again stores a key
the usual way.

Importing this module imports neither keyring nor yaml: listing profiles pays for neither.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from openscale_creds import errors, redact, secretfile

if TYPE_CHECKING:
    from openscale_creds.credentials import Credentials
    from openscale_creds.keychain import Keychain

PROFILE_ENV = "OPENSCALE_CREDS_PROFILE"
STORE_ENV = "OPENSCALE_CREDS_STORE"
DEFAULT_PROFILE = "default"
PROFILES_FILE = "profiles.json"
SECRETS_FILE = "secrets.json"
LOCK_FILE = "profiles.lock"
FORMAT = 1
LOCK_TIMEOUT = 30.0

StoreChoice = Literal["auto", "keychain", "file"]
STORE_CHOICES: tuple[StoreChoice, ...] = ("auto", "keychain", "file")
SecretKind = Literal["keychain", "plain-file", "file", "not-kept"]
_KINDS: tuple[SecretKind, ...] = ("keychain", "plain-file", "file", "not-kept")

_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PLAIN_NOTICE = "plain-file-store"


def validate_name(name: str, *, source: str = "profile name") -> str:
    """`name` if it is a valid profile name (1 to 64 letters, digits, ``.``, ``_``, ``-``), else a
    one-line `errors.UsageError` (exit 2)."""
    if not _NAME.fullmatch(name):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise errors.UsageError(
            f"invalid {source} {shown!r}",
            hint="use 1 to 64 letters, digits, '.', '_' or '-'",
        )
    return name


def current_name(environ: Mapping[str, str] | None = None) -> str:
    """The profile used when no ``-p`` is given: ``OPENSCALE_CREDS_PROFILE``, else ``default``."""
    env = os.environ if environ is None else environ
    chosen = env.get(PROFILE_ENV, "")
    return validate_name(chosen, source=PROFILE_ENV) if chosen else DEFAULT_PROFILE


def resolve_store(option: str | None = None, environ: Mapping[str, str] | None = None) -> StoreChoice:
    """The store for new keys: the ``--store`` value, else ``OPENSCALE_CREDS_STORE``, else ``auto``."""
    env = os.environ if environ is None else environ
    value = option if option else env.get(STORE_ENV, "") or "auto"
    for choice in STORE_CHOICES:
        if value.lower() == choice:
            return choice
    source = "--store" if option else STORE_ENV
    raise errors.UsageError(f"unknown {source} value {value[:40]!r}", hint="choose keychain or file")


@dataclass(frozen=True)
class SecretLocation:
    """Where a profile's key is. `path` is set for ``file`` and ``plain-file``."""

    kind: SecretKind
    path: str | None = None

    def describe(self) -> str:
        """As `list` shows it: ``keychain``, ``plain file PATH``, ``file PATH``, ``printed, not kept``."""
        if self.kind == "keychain":
            return "keychain"
        if self.kind == "not-kept":
            return "printed, not kept"
        return f"{'plain file' if self.kind == 'plain-file' else 'file'} {self.path}"


KEYCHAIN = SecretLocation("keychain")
NOT_KEPT = SecretLocation("not-kept")


def in_file(path: str | os.PathLike[str]) -> SecretLocation:
    """The location of a key kept in a credentials file the user has (``setup --out FILE``)."""
    return SecretLocation("file", os.path.abspath(path))


@dataclass(frozen=True)
class Profile:
    """One profile: everything but the key, and where the key is. Holds no secret, so printing,
    logging or listing one cannot leak a key."""

    name: str
    instance_guid: str
    instance_name: str | None = None
    instance_crn: str | None = None
    url: str | None = None
    region: str | None = None
    resource_group: str | None = None
    api_key_name: str | None = None
    api_key_id: str | None = None
    created_at: str | None = None
    secret: SecretLocation = KEYCHAIN

    @classmethod
    def from_credentials(cls, name: str, creds: Credentials, secret: SecretLocation = KEYCHAIN) -> Profile:
        """The profile describing `creds` (their key is not part of it)."""
        details = {field: getattr(creds, field) for field in _ENTRY_FIELDS}
        return cls(name=validate_name(name), secret=secret, **details)

    def with_key(self, apikey: str) -> Credentials:
        """These details with `apikey`, as the `Credentials` every renderer takes."""
        from openscale_creds.credentials import Credentials

        return Credentials(apikey=apikey, **{field: getattr(self, field) for field in _ENTRY_FIELDS})

    def as_dict(self) -> dict[str, str | None]:
        """A JSON-ready row for ``list --format json``: the fields, then ``secret`` (as `describe`
        says it), ``secret_store`` (the kind) and ``secret_path``."""
        row: dict[str, str | None] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "secret"
        }
        row["secret"] = self.secret.describe()
        row["secret_store"] = self.secret.kind
        row["secret_path"] = self.secret.path
        return row


# A profile's details: the fields it shares with `Credentials` (all but the key), as stored per entry.
_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(Profile) if f.name not in ("name", "secret"))


def _stderr_warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


class ProfileStore:
    """The profiles in one config folder and their keys.

    `store` chooses where *new* keys go (`resolve_store` values; None reads
    ``OPENSCALE_CREDS_STORE``); existing keys are read from wherever their profile says. `warn`
    receives the one-time notices (plain-file store, migration) as one line each.
    """

    def __init__(
        self,
        config_dir: str | os.PathLike[str] | None = None,
        store: str | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.config_dir = Path(config_dir) if config_dir is not None else secretfile.default_config_dir()
        self.store: StoreChoice = resolve_store(store)
        self._warn = warn or _stderr_warning
        self._keychain_found = False
        self._keychain: Keychain | None = None

    def __repr__(self) -> str:
        return f"ProfileStore({str(self.config_dir)!r}, store={self.store!r})"

    @property
    def profiles_path(self) -> Path:
        return self.config_dir / PROFILES_FILE

    @property
    def secrets_path(self) -> Path:
        """The plain file that keeps keys where no keychain is used."""
        return self.config_dir / SECRETS_FILE

    @property
    def legacy_path(self) -> Path:
        """Where the earlier release wrote its one credentials file."""
        return self.config_dir / secretfile.DEFAULT_FILE_NAME

    # --- reading ---------------------------------------------------------------------------------

    def find(self, name: str) -> Profile | None:
        """The profile called `name`, or None."""
        validate_name(name)
        entry = self._snapshot()["profiles"].get(name)
        return None if entry is None else self._profile(name, entry)

    def get(self, name: str) -> Profile:
        """The profile called `name`; `errors.NotFound` (exit 5) if there is none."""
        found = self.find(name)
        if found is None:
            raise errors.NotFound(
                f"no profile {name!r}",
                hint=f"`openscale-creds list` shows the profiles; "
                f"`openscale-creds setup NAME_OR_GUID -p {name}` makes it",
            )
        return found

    def list(self) -> list[Profile]:
        """Every profile, by name. Reads no secret (and imports no keyring)."""
        profiles = self._snapshot()["profiles"]
        return [self._profile(name, profiles[name]) for name in sorted(profiles)]

    def read_secret(self, profile: Profile) -> str:
        """The API key of `profile`, from wherever it is. `errors.NotFound` (exit 5) when it is not
        there any more, `errors.Refused` (exit 10) when the keychain refuses or is unreachable."""
        where = profile.secret
        name = profile.name
        again = f"run `openscale-creds setup NAME_OR_GUID -p {name}` to store a key again"
        if where.kind == "keychain":
            keychain = self._find_keychain()
            if keychain is None:
                raise errors.Refused(
                    f"profile {name!r} keeps its key in the keychain, but no keychain works here",
                    hint="run this where the keychain is reachable (e.g. in the desktop session), "
                    f"or {again} with --store file",
                )
            secret = keychain.get(name)
            if secret is None:
                raise errors.NotFound(f"the keychain has no key for profile {name!r}", hint=again)
            return secret
        if where.kind == "plain-file":
            secret = self._read_plain().get(name)
            if secret is None:
                raise errors.NotFound(f"{self.secrets_path} has no key for profile {name!r}", hint=again)
            redact.register(secret)
            return secret
        if where.kind == "file":
            return self._read_from_file(profile, again)
        raise errors.NotFound(f"the key of profile {name!r} was printed, not kept", hint=again)

    def credentials(self, name: str) -> Credentials:
        """The full credentials of profile `name`: its details and its key."""
        profile = self.get(name)
        return profile.with_key(self.read_secret(profile))

    # --- writing ---------------------------------------------------------------------------------

    def save(self, profile: Profile, apikey: str | None = None) -> Profile:
        """Record `profile`, replacing one of the same name, and return it as recorded.

        With `apikey`, the key is kept in the store chosen for new keys (keychain or plain file) and
        the returned profile says which; `profile.secret` is then ignored. Without it,
        `profile.secret` must be a `file` or `not-kept` location: the profile only records where the
        key went. A key the profile kept before, somewhere else, is removed once the new record is
        written. If writing fails, the profile and its old key are left as they were.
        """
        name = validate_name(profile.name)
        if apikey is None and profile.secret.kind not in ("file", "not-kept"):
            raise ValueError("save() without a key needs a 'file' or 'not-kept' location")
        with self._locked():
            doc = self._read_doc()
            self._migrate(doc)
            profiles: dict[str, Any] = doc["profiles"]
            clash = next((n for n in profiles if n != name and n.lower() == name.lower()), None)
            if clash is not None:
                raise errors.UsageError(
                    f"profile name {name!r} differs from the existing {clash!r} only in case",
                    hint="keychains such as the Windows Credential Manager cannot tell them apart; "
                    f"use {clash!r} or another name",
                )
            old = self._profile(name, profiles[name]) if name in profiles else None
            if apikey is not None:
                redact.register(apikey)
                location, undo = self._keep_secret(doc, name, apikey, old)
            else:
                location, undo = profile.secret, None
            saved = dataclasses.replace(profile, secret=location)
            profiles[name] = _entry(saved)
            try:
                self._write_doc(doc)
            except BaseException:
                if undo is not None:
                    with contextlib.suppress(errors.CredsError):
                        undo()
                raise
            if old is not None:
                self._discard_old_secret(old, saved)
        return saved

    def delete(self, name: str, *, force: bool = False) -> Profile | None:
        """Remove profile `name` and the key it kept (keychain entry or plain-file entry); a
        credentials file it points to is the user's and is left alone. Returns the removed profile,
        or None when there was none (deleting twice is not an error). The key goes first: if the
        keychain refuses, nothing is removed. With `force`, a keychain that cannot be reached or
        refuses is skipped with a warning saying what was left in it."""
        validate_name(name)
        with self._locked():
            doc = self._read_doc()
            self._migrate(doc)
            entry = doc["profiles"].get(name)
            if entry is None:
                self._drop_plain(name)  # a stray copy from an interrupted run
                return None
            profile = self._profile(name, entry)
            if profile.secret.kind == "keychain":
                try:
                    self._delete_from_keychain(name)
                except errors.CredsError as exc:
                    if not force:
                        raise
                    self._warn(f"the keychain entry of profile {name!r} was left in place: {exc}")
            self._drop_plain(name)
            del doc["profiles"][name]
            self._write_doc(doc)
        return profile

    # --- keys ------------------------------------------------------------------------------------

    def _find_keychain(self) -> Keychain | None:
        if not self._keychain_found:
            from openscale_creds import keychain

            self._keychain = keychain.find()
            self._keychain_found = True
        return self._keychain

    def _keep_secret(
        self, doc: dict[str, Any], name: str, apikey: str, old: Profile | None
    ) -> tuple[SecretLocation, Callable[[], None]]:
        """Store `apikey` for `name` as `self.store` says; where it went, and how to undo that."""
        keychain = None if self.store == "file" else self._find_keychain()
        if keychain is None and self.store == "keychain":
            raise errors.Refused(
                "no keychain works here (keyring found no usable backend)",
                hint="keep keys in a plain file with --store file (or OPENSCALE_CREDS_STORE=file), "
                "or start a keychain (e.g. gnome-keyring) first",
            )
        if keychain is not None:
            previous = keychain.get(name) if old is not None and old.secret.kind == "keychain" else None
            keychain.set(name, apikey)

            def undo_keychain() -> None:
                if previous is None:
                    keychain.delete(name)
                else:
                    keychain.set(name, previous)

            return KEYCHAIN, undo_keychain
        if self.store == "auto" and _PLAIN_NOTICE not in doc["said"]:
            self._warn(
                f"no keychain works here, so API keys are kept in the plain file {self.secrets_path} "
                f"(readable only by you); choose with --store keychain|file or {STORE_ENV}"
            )
            doc["said"].append(_PLAIN_NOTICE)
        secrets = self._read_plain()
        previous = secrets.get(name)
        secrets[name] = apikey
        self._write_plain(secrets)

        def undo_plain() -> None:
            restored = self._read_plain()
            if previous is None:
                restored.pop(name, None)
            else:
                restored[name] = previous
            self._write_plain(restored)

        return SecretLocation("plain-file", str(self.secrets_path)), undo_plain

    def _discard_old_secret(self, old: Profile, saved: Profile) -> None:
        if old.secret.kind == saved.secret.kind and old.secret.kind in ("keychain", "plain-file"):
            return  # overwritten in place
        try:
            if old.secret.kind == "keychain":
                self._delete_from_keychain(old.name)
            elif old.secret.kind == "plain-file":
                self._drop_plain(old.name)
        except errors.CredsError as exc:
            self._warn(f"the previous key of profile {old.name!r} is still in the {old.secret.kind}: {exc}")

    def _delete_from_keychain(self, name: str) -> None:
        keychain = self._find_keychain()
        if keychain is None:
            raise errors.Refused(
                f"profile {name!r} keeps its key in the keychain, but no keychain works here",
                hint="run this where the keychain is reachable (e.g. in the desktop session)",
            )
        keychain.delete(name)

    def _read_plain(self) -> dict[str, str]:
        doc = _read_json(self.secrets_path, "secrets file")
        if doc is None:
            return {}
        keys = doc.get("apikeys")
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise _damaged(self.secrets_path, "'apikeys' is not a mapping of names to keys")
        return dict(keys)

    def _write_plain(self, secrets: dict[str, str]) -> None:
        text = json.dumps({"format": FORMAT, "apikeys": secrets}, indent=2, ensure_ascii=False) + "\n"
        secretfile.write_secret(self.secrets_path, text, force=True)

    def _drop_plain(self, name: str) -> None:
        if not self.secrets_path.exists():
            return
        secrets = self._read_plain()
        if secrets.pop(name, None) is not None:
            self._write_plain(secrets)

    def _read_from_file(self, profile: Profile, again: str) -> str:
        from openscale_creds import credentials

        path = Path(profile.secret.path or "")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise errors.NotFound(
                f"profile {profile.name!r} keeps its key in {path}, which no longer exists", hint=again
            ) from None
        except OSError as exc:
            raise errors.Refused(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
        try:
            found = credentials.load(data)
        except errors.CredsError as exc:
            raise errors.UsageError(f"{path} (profile {profile.name!r}): {exc.message}", hint=again) from None
        redact.register(found.apikey)
        same_key = not (profile.api_key_id and found.api_key_id) or profile.api_key_id == found.api_key_id
        if found.instance_guid != profile.instance_guid or not same_key:
            raise errors.NotFound(
                f"{path} no longer holds the key of profile {profile.name!r} (it was written again since)",
                hint=again,
            )
        return found.apikey

    # --- the profiles file -----------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        """The profiles file as it is now, after taking over a legacy credentials.yaml if due."""
        doc = self._read_doc()
        if self._migration_due(doc):
            try:
                with self._locked():
                    doc = self._read_doc()
                    self._migrate(doc)
            except errors.Refused as exc:
                # A read-only config folder must not stop `list`: show what is there.
                self._warn(f"cannot record the profiles in {self.profiles_path}: {exc}")
        return doc

    def _read_doc(self) -> dict[str, Any]:
        doc = _read_json(self.profiles_path, "profiles file")
        if doc is None:
            return {"format": FORMAT, "profiles": {}, "said": []}
        if not isinstance(doc.get("profiles", {}), dict) or not isinstance(doc.get("said", []), list):
            raise _damaged(self.profiles_path, "'profiles' or 'said' has the wrong type")
        doc.setdefault("profiles", {})
        doc.setdefault("said", [])
        return doc

    def _write_doc(self, doc: dict[str, Any]) -> None:
        doc["format"] = FORMAT
        ordered = {"format": FORMAT, **{k: v for k, v in doc.items() if k != "format"}}
        ordered["profiles"] = dict(sorted(doc["profiles"].items()))
        text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
        secretfile.write_secret(self.profiles_path, text, force=True)

    def _profile(self, name: str, entry: Any) -> Profile:
        if not isinstance(entry, dict):
            raise _damaged(self.profiles_path, f"profile {name!r} is not a mapping")
        values: dict[str, str | None] = {}
        for key in _ENTRY_FIELDS:
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                raise _damaged(self.profiles_path, f"profile {name!r} has a non-text {key!r}")
            values[key] = value
        guid = values.pop("instance_guid")
        secret = entry.get("secret")
        kind = secret.get("kind") if isinstance(secret, dict) else None
        if not guid or kind not in _KINDS:
            raise _damaged(self.profiles_path, f"profile {name!r} has no instance_guid or secret kind")
        path: str | None = None
        if kind == "plain-file":
            path = str(self.secrets_path)
        elif kind == "file":
            path = secret.get("path") if isinstance(secret, dict) else None
            if not isinstance(path, str) or not path:
                raise _damaged(self.profiles_path, f"profile {name!r} has a file secret without a path")
        return Profile(name=name, instance_guid=guid, secret=SecretLocation(kind, path), **values)

    # --- taking over the earlier release's credentials.yaml --------------------------------------

    def _migration_due(self, doc: dict[str, Any]) -> bool:
        return "migrated" not in doc and self.legacy_path.is_file()

    def _migrate(self, doc: dict[str, Any]) -> None:
        """Inside the lock: make the legacy file the ``default`` profile, once."""
        if not self._migration_due(doc):
            return
        legacy = self.legacy_path
        record: dict[str, Any] = {"from": str(legacy), "profile": None}
        doc["migrated"] = record
        if DEFAULT_PROFILE in doc["profiles"]:
            self._write_doc(doc)  # a default profile made since wins; the file stays as it is
            return
        from openscale_creds import credentials

        try:
            creds = credentials.load(legacy.read_bytes())
        except (errors.CredsError, OSError) as exc:
            self._write_doc(doc)
            cause = exc.message if isinstance(exc, errors.CredsError) else exc.strerror or type(exc).__name__
            self._warn(f"{legacy} could not be taken over as profile {DEFAULT_PROFILE!r}: {cause}")
            return
        redact.register(creds.apikey)
        profile = Profile.from_credentials(DEFAULT_PROFILE, creds, in_file(legacy))
        doc["profiles"][DEFAULT_PROFILE] = _entry(profile)
        record["profile"] = DEFAULT_PROFILE
        self._write_doc(doc)
        self._warn(
            f"took over {legacy}, written by an earlier openscale-creds, as profile "
            f"{DEFAULT_PROFILE!r}; its key stays in that file "
            f"(`openscale-creds setup NAME_OR_GUID -p {DEFAULT_PROFILE}` stores one in the "
            "keychain instead)"
        )

    # --- the lock --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the exclusive lock on ``profiles.lock`` (waiting up to `LOCK_TIMEOUT` seconds)."""
        # Each missing level exactly 0700 whatever the umask (pathlib's parents=True would make the
        # upper ones 0777 under `umask 000`, and the secret writer would then refuse the folder).
        secretfile._create_private_folders(self.config_dir)
        lock = self.config_dir / LOCK_FILE
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(lock, flags, secretfile.FILE_MODE)
        except OSError as exc:
            raise errors.Refused(f"cannot open {lock}: {exc.strerror or type(exc).__name__}") from None
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise errors.TimedOut(
                        f"another openscale-creds has been changing the profiles for {LOCK_TIMEOUT:.0f} s",
                        hint=f"wait for it to finish; if none is running, delete {lock}",
                    )
                time.sleep(0.02)
            try:
                yield
            finally:
                _unlock(fd)
        finally:
            os.close(fd)


def _entry(profile: Profile) -> dict[str, Any]:
    entry: dict[str, Any] = {key: getattr(profile, key) for key in _ENTRY_FIELDS}
    secret: dict[str, str] = {"kind": profile.secret.kind}
    if profile.secret.kind == "file" and profile.secret.path:
        secret["path"] = profile.secret.path
    entry["secret"] = secret
    return entry


def _read_json(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        cause = getattr(exc, "strerror", None) or type(exc).__name__
        raise errors.Refused(f"cannot read the {what} {path}: {cause}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        # Position only: the secrets file's text is keys.
        raise _damaged(path, f"not valid JSON (line {exc.lineno} column {exc.colno})") from None
    if not isinstance(doc, dict):
        raise _damaged(path, "not a JSON object")
    version = doc.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _damaged(path, "no format number")
    if version > FORMAT:
        raise errors.Refused(
            f"{path} was written by a newer openscale-creds (format {version})",
            hint="upgrade openscale-creds",
        )
    return doc


def _damaged(path: Path, why: str) -> errors.Refused:
    return errors.Refused(
        f"cannot use {path}: {why}",
        hint="repair it, or move it aside and run `openscale-creds setup NAME_OR_GUID` again",
    )


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
