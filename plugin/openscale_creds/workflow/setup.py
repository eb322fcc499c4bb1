"""`setup`: log in, target, resolve the instance, then reuse the profile's key or create one, and
store the credentials as a profile (and in `--out` when asked).

Everything that can be refused is refused before the key exists; once it exists it is written at
once (Ctrl-C held), or deleted, or named in the message. A profile's key that still works is reused;
one that is replaced is deleted (or, when a file of the user's still holds it, named with the command
that deletes it), so no key goes untracked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openscale_creds import credentials as creds_mod
from openscale_creds import secretfile, store
from openscale_creds.credentials import Credentials
from openscale_creds.errors import CredsError, NotFound, NotLoggedIn, Refused, UsageError, adding
from openscale_creds.ibmcloud import IbmCloud, validate_name
from openscale_creds.models import ApiKey, ServiceInstance, Target
from openscale_creds.store import Profile, ProfileStore
from openscale_creds.workflow.instances import OPENSCALE_SERVICE, resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
    discard_key,
    key_description,
    sigint_deferred,
)
from openscale_creds.workflow.login import LoginOptions, login
from openscale_creds.workflow.stored import load_if_readable
from openscale_creds.workflow.ui import Ui


@dataclass(frozen=True)
class SetupOptions:
    instance: str
    login: LoginOptions
    out: str | None  # a path, "-" for stdout, or None: the profile is the only store
    fmt: str
    key_name: str | None = None
    force: bool = False
    reuse_key: bool = False  # the old option: reuse the key already in --out (reusing is the default)
    location: str | None = None
    profile: str = store.DEFAULT_PROFILE
    new_key: bool = False

    def __post_init__(self) -> None:
        store.validate_name(self.profile)
        if self.new_key and self.reuse_key:
            raise UsageError("--new-key and --reuse-key exclude each other")


@dataclass(frozen=True)
class SetupResult:
    credentials: Credentials
    path: Path | None  # None when written to stdout or kept only in the profile's store
    created_key: bool
    text: str  # what was written to --out
    profile: Profile | None = None  # as recorded; None only if recording it failed after all


def setup(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    *,
    environ: Mapping[str, str],
    write_stdout: Callable[[str], None],
    profiles: ProfileStore | None = None,
) -> SetupResult:
    """`profiles`: where the profile is recorded (default: the config folder's, keys kept as
    ``OPENSCALE_CREDS_STORE`` says)."""
    _validate_names(opts)
    profiles = profiles if profiles is not None else ProfileStore(warn=ui.warn)
    path = None if opts.out in (None, "-") else Path(opts.out).expanduser()
    held = profiles.find(opts.profile)
    own_file = (
        held is not None
        and held.secret.kind == "file"
        and path is not None
        and (held.secret.path == os.path.abspath(path))
    )
    in_file: Credentials | None = None  # the old --reuse-key: a key already in --out
    if path is not None and opts.reuse_key and not own_file and path.exists() and not path.is_symlink():
        in_file = load_if_readable(path)
    if path is not None and in_file is None and not own_file:
        secretfile.check_target(path, force=opts.force)
    target, _ = login(cli, opts.login, ui, environ=environ, sso_when_needed=True)
    target = _target_group(cli, target, opts.login.group, ui)
    instance = _find_instance(cli, opts, ui)

    if held is not None and held.instance_guid != instance.guid and not opts.force:
        raise Refused(
            f"profile {held.name!r} holds instance {held.instance_name or held.instance_guid} "
            f"({held.instance_guid}), not {instance.name}",
            hint=f"choose another profile with -p NAME, or pass --force to point {held.name!r} at "
            "this instance (its old key is deleted)",
        )
    reusable: Credentials | None = None
    dead = False  # the held key no longer works: it goes whatever else holds it
    if held is not None and held.instance_guid == instance.guid and not opts.new_key:
        reusable = _working_key(cli, profiles, held, ui)
        dead = reusable is None
    elif held is None and in_file is not None and in_file.instance_guid == instance.guid:
        reusable = in_file
    if reusable is not None:
        return _reuse(opts, ui, profiles, held, reusable, path, own_file, write_stdout)
    if held is not None and path is not None and not own_file and in_file is not None:
        secretfile.check_target(path, force=opts.force)
    creds, text, saved = _create_and_write(
        cli,
        opts,
        ui,
        instance,
        target,
        path,
        profiles,
        replace=own_file or in_file is not None,
        write_stdout=write_stdout,
    )
    if held is not None:
        _dispose_of(cli, held, creds, path, ui, dead=dead)
    return SetupResult(creds, path, True, text, saved)


def _working_key(cli: IbmCloud, profiles: ProfileStore, held: Profile, ui: Ui) -> Credentials | None:
    """The profile's key if it still works (checked in a private session), else None, said why."""
    from openscale_creds.workflow.verify import verify

    named = f"API key {held.api_key_name or ''} ({held.api_key_id or 'no id'}) of profile {held.name!r}"
    try:
        creds = held.with_key(profiles.read_secret(held))
    except NotFound as exc:
        ui.warn(f"the {named} is not available ({exc.message}); creating a new one")
        return None
    try:
        verify(cli, creds, ui)
    except (NotLoggedIn, NotFound) as exc:
        ui.warn(f"the {named} no longer works ({exc.message}); creating a new one")
        return None
    return creds


def _reuse(
    opts: SetupOptions,
    ui: Ui,
    profiles: ProfileStore,
    held: Profile | None,
    creds: Credentials,
    path: Path | None,
    own_file: bool,
    write_stdout: Callable[[str], None],
) -> SetupResult:
    where = f"profile {opts.profile}" if held is not None else str(path)
    ui.info(
        f"Reusing API key {creds.api_key_name or ''} ({creds.api_key_id or 'no id'}) of {where}: it still "
        "works, so no new key was created (--new-key makes one)"
    )
    text = ""
    if opts.out == "-":
        text = creds_mod.render(creds, opts.fmt)
        write_stdout(text)
    elif path is not None and not own_file and held is not None:
        text = creds_mod.render(creds, opts.fmt)
        secretfile.write_secret(path, text, force=opts.force, encoding=creds_mod.file_encoding(opts.fmt))
    saved = held
    if held is None and path is not None:  # the key in --out is tracked from now on
        saved = profiles.save(Profile.from_credentials(opts.profile, creds, store.in_file(path)))
    return SetupResult(creds, None if opts.out == "-" else path, False, text, saved)


def _dispose_of(
    cli: IbmCloud, held: Profile, new: Credentials, path: Path | None, ui: Ui, *, dead: bool
) -> None:
    """The profile's previous key, now replaced: deleted, unless a file of the user's that this run
    did not overwrite still holds a working one (then named, with the command that deletes it)."""
    old_id = held.api_key_id
    if not old_id or old_id == new.api_key_id:
        return
    other_file = (
        held.secret.kind == "file"
        and held.secret.path is not None
        and (path is None or os.path.abspath(path) != held.secret.path)
        and Path(held.secret.path).exists()
    )
    if other_file and not dead:
        ui.warn(
            f"the previous key {held.api_key_name or ''} ({old_id}) of profile {held.name!r} is still in "
            f"{held.secret.path} and no profile tracks it now: delete it with "
            f"`openscale-creds api-key delete {old_id}` once that file is no longer used"
        )
        return
    try:
        with ui.step(f"Deleting the previous API key {old_id}") as res:
            cli.delete_api_key(old_id)
            res.result = "deleted"
    except NotFound:
        ui.info(f"The previous API key {old_id} was already gone")
    except CredsError as exc:
        ui.warn(
            f"the previous API key {old_id} could not be deleted ({exc.message}): delete it with "
            f"`openscale-creds api-key delete {old_id}`"
        )


def _validate_names(opts: SetupOptions) -> None:
    # Refused before logging in: a name ibmcloud cannot take must not cost a login and a lookup first.
    validate_name("instance name", opts.instance)
    if opts.key_name is not None:
        validate_name("API key name", opts.key_name)
    if opts.location:
        validate_name("location", opts.location)


def _target_group(cli: IbmCloud, target: Target, group: str | None, ui: Ui) -> Target:
    if not group or (target.resource_group and target.resource_group == group):
        return target
    with ui.step(f"Targeting resource group {group}") as res:
        target = cli.target_group(group)
        res.result = target.resource_group or group
    return target


def _find_instance(cli: IbmCloud, opts: SetupOptions, ui: Ui) -> ServiceInstance:
    with ui.step(f"Finding service instance {opts.instance}") as res:
        instance = resolve_instance(cli, opts.instance, location=opts.location)
        res.result = f"{instance.name} ({instance.guid}, {instance.location or 'unknown region'})"
    if instance.service_name and instance.service_name != OPENSCALE_SERVICE:
        ui.warn(f"{instance.name} is a {instance.service_name} instance, not OpenScale ({OPENSCALE_SERVICE})")
    return instance


def _create_and_write(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    instance: ServiceInstance,
    target: Target,
    path: Path | None,
    profiles: ProfileStore,
    *,
    replace: bool,
    write_stdout: Callable[[str], None],
) -> tuple[Credentials, str, Profile | None]:
    name = opts.key_name or default_key_name()
    # A format that cannot carry the values must fail before a key exists: render with a placeholder.
    placeholder = ApiKey(name=name, id="ApiKey-placeholder", apikey="placeholder-key")
    if opts.out is not None:
        creds_mod.render(build_credentials(placeholder, instance, target), opts.fmt)

    text = ""
    with sigint_deferred():
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid))
            res.result = key.id or name
        creds = build_credentials(key, instance, target)
        # The key's only copy must reach its file: one that cannot (a value the format cannot carry,
        # a full disk) is deleted rather than left orphaned.
        with adding(lambda: discard_key(cli, key)):
            if opts.out is None:
                with ui.step(f"Storing the key as profile {opts.profile}") as res:
                    saved = profiles.save(Profile.from_credentials(opts.profile, creds), creds.apikey)
                    res.result = saved.secret.describe()
                return creds, text, saved
            text = creds_mod.render(creds, opts.fmt)
            if path is None:
                write_stdout(text)
                location = store.NOT_KEPT
            else:
                with ui.step(f"Writing credentials to {path}") as res:
                    secretfile.write_secret(
                        path, text, force=opts.force or replace, encoding=creds_mod.file_encoding(opts.fmt)
                    )
                    res.result = "mode 0600" if os.name == "posix" else "saved"
                location = store.in_file(path)
    # The key is saved (or was printed): a profile that cannot record it must say how to delete it.
    kept = "was printed" if path is None else f"is saved in {path}"
    with adding(
        f" — the new API key {key.name} ({key.id}) {kept}, but profile {opts.profile} could not record "
        f"it; delete it with `openscale-creds api-key delete {key.id}` when it is no longer needed"
    ):
        saved = profiles.save(Profile.from_credentials(opts.profile, creds, location))
    return creds, text, saved
