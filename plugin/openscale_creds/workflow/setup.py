"""`setup`: find the instance (logging in only if needed), then reuse the profile's key or create one,
and store the credentials as a profile (and in `--out` when asked).

As few `ibmcloud` calls as the result needs. With the user's session: the scoped lookup, then
`iam api-key-create` (2 calls); a missing session shows up as the lookup's own "not logged in", and
only then does SSO start. With an API key: `login -g` in a private IBMCLOUD_HOME (the user's session
is left alone), the lookup and the key creation there (3 calls). The group is a flag of the lookup,
never a `target -g` of the user's session.

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
from openscale_creds.ibmcloud import IbmCloud, is_instance_id, validate_name
from openscale_creds.models import ApiKey, ServiceInstance, Target
from openscale_creds.rules import OPENSCALE_SERVICE
from openscale_creds.store import Profile, ProfileStore
from openscale_creds.workflow.instances import resolve_instance
from openscale_creds.workflow.keys import (
    build_credentials,
    create_key,
    default_key_name,
    discard_key,
    key_description,
    saved_note,
    sigint_deferred,
)
from openscale_creds.workflow.login import (
    LOGIN_WAYS,
    LoginOptions,
    check_account,
    describe_target,
    login_with_key,
    sso_login,
)
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


@dataclass
class _Run:
    """One `setup`: what it was given and what it found before any key exists."""

    cli: IbmCloud
    opts: SetupOptions
    ui: Ui
    profiles: ProfileStore
    path: Path | None  # None: stdout, or the profile only
    held: Profile | None  # the profile as it was
    own_file: bool  # --out is the file the profile already keeps its key in
    in_file: Credentials | None  # the old --reuse-key: a key already in --out
    write_stdout: Callable[[str], None]
    check_stdout: Callable[[], None]
    home: str | None = None  # the private IBMCLOUD_HOME of an API-key login


def setup(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    *,
    environ: Mapping[str, str],
    write_stdout: Callable[[str], None],
    check_stdout: Callable[[], None] = lambda: None,
    profiles: ProfileStore | None = None,
) -> SetupResult:
    """`profiles`: where the profile is recorded (default: the config folder's, keys kept as
    ``OPENSCALE_CREDS_STORE`` says). `check_stdout` refuses a stdout that cannot take a new key."""
    _validate_names(opts)
    run = _prepare(cli, opts, ui, profiles, write_stdout, check_stdout)
    key = opts.login.api_key(environ)
    if key is None:
        target, instance = _in_user_session(cli, opts, ui, environ)
        return _finish(run, instance, target)
    from openscale_creds.workflow.verify import private_home

    with private_home() as home:
        run.home = home
        logged_in = login_with_key(cli, opts.login, ui, *key, home=home, by="setup")
        found = _find_instance(cli, opts, ui, home=home)
        if found is None:  # the session made a moment ago was refused
            raise NotLoggedIn("the private session was refused right after logging in", hint=LOGIN_WAYS)
        return _finish(run, found, logged_in)


def _prepare(
    cli: IbmCloud,
    opts: SetupOptions,
    ui: Ui,
    profiles: ProfileStore | None,
    write_stdout: Callable[[str], None],
    check_stdout: Callable[[], None],
) -> _Run:
    """The profile and the output path, each refused now if it would be refused later."""
    profiles = profiles if profiles is not None else ProfileStore(warn=ui.warn)
    path = None if opts.out in (None, "-") else Path(opts.out).expanduser()
    held = profiles.find(opts.profile)
    own_file = (
        held is not None
        and held.secret.kind == "file"
        and path is not None
        and (held.secret.path == os.path.abspath(path))
    )
    in_file: Credentials | None = None
    if path is not None and opts.reuse_key and not own_file and path.exists() and not path.is_symlink():
        in_file = load_if_readable(path)
    if path is not None and in_file is None and not own_file:
        secretfile.check_target(path, force=opts.force)
    return _Run(cli, opts, ui, profiles, path, held, own_file, in_file, write_stdout, check_stdout)


def _finish(run: _Run, instance: ServiceInstance, target: Target | None) -> SetupResult:
    """Reuse the profile's working key, or create one, store it, and dispose of the one it replaces."""
    opts, held, path = run.opts, run.held, run.path
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
        reusable = _working_key(run.cli, run.profiles, held, run.ui)
        dead = reusable is None
    elif held is None and run.in_file is not None and run.in_file.instance_guid == instance.guid:
        reusable = run.in_file
    if reusable is not None:
        return _reuse(run, reusable)
    if held is not None and path is not None and not run.own_file and run.in_file is not None:
        secretfile.check_target(path, force=opts.force)
    if opts.out == "-":
        run.check_stdout()  # as late as possible, and before the key exists
    creds, text, saved = _create_and_write(run, instance, target)
    if held is not None:
        _dispose_of(run, creds, dead=dead)
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


def _reuse(run: _Run, creds: Credentials) -> SetupResult:
    opts, held, path = run.opts, run.held, run.path
    where = f"profile {opts.profile}" if held is not None else str(path)
    run.ui.info(
        f"Reusing API key {creds.api_key_name or ''} ({creds.api_key_id or 'no id'}) of {where}: it still "
        "works, so no new key was created (--new-key makes one)"
    )
    text = ""
    if opts.out == "-":
        text = creds_mod.render(creds, opts.fmt)
        run.write_stdout(text)
    elif path is not None and not run.own_file and held is not None:
        text = creds_mod.render(creds, opts.fmt)
        secretfile.write_secret(path, text, force=opts.force, encoding=creds_mod.file_encoding(opts.fmt))
    saved = held
    if held is None and path is not None:  # the key in --out is tracked from now on
        saved = run.profiles.save(Profile.from_credentials(opts.profile, creds, store.in_file(path)))
    return SetupResult(creds, None if opts.out == "-" else path, False, text, saved)


def _dispose_of(run: _Run, new: Credentials, *, dead: bool) -> None:
    """The profile's previous key, now replaced: deleted, unless a file of the user's that this run
    did not overwrite still holds a working one (then named, with the command that deletes it)."""
    held, path, ui = run.held, run.path, run.ui
    assert held is not None  # noqa: S101 - only called with a profile
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
            run.cli.delete_api_key(old_id, home=run.home)
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
    if opts.login.group:
        validate_name("resource group", opts.login.group)


def _in_user_session(
    cli: IbmCloud, opts: SetupOptions, ui: Ui, environ: Mapping[str, str]
) -> tuple[Target | None, ServiceInstance]:
    """The instance, looked up in the user's own session; SSO first when asked, or when the lookup
    finds no session and a person is at the terminal (the session it leaves is announced)."""
    lopts = opts.login
    target: Target | None = None
    if lopts.sso:
        target = sso_login(cli, lopts, ui, environ=environ, by="setup")
    elif lopts.account:
        # Only the session can say which account it is in: one more call, asked for by --account.
        with ui.step("Checking the ibmcloud session") as res:
            target = cli.target()
            res.result = describe_target(target) if target.logged_in else "not logged in"
        if not target.logged_in:
            target = _sso_or_refuse(cli, opts, ui, environ)
        check_account(target, lopts.account)
    instance = _find_instance(cli, opts, ui, home=None)
    if instance is None:
        target = _sso_or_refuse(cli, opts, ui, environ)
        instance = _find_instance(cli, opts, ui, home=None)
        if instance is None:
            raise NotLoggedIn("the SSO login did not leave a usable session", hint=LOGIN_WAYS)
    return target, instance


def _sso_or_refuse(cli: IbmCloud, opts: SetupOptions, ui: Ui, environ: Mapping[str, str]) -> Target:
    if not ui.interactive:
        raise NotLoggedIn("ibmcloud has no usable login session", hint=LOGIN_WAYS)
    return sso_login(cli, opts.login, ui, environ=environ, by="setup")


def _find_instance(cli: IbmCloud, opts: SetupOptions, ui: Ui, *, home: str | None) -> ServiceInstance | None:
    """The instance; None when the session is missing or expired (the lookup's own answer)."""
    with ui.step(f"Finding service instance {opts.instance}") as res:
        try:
            instance = resolve_instance(
                cli,
                opts.instance,
                location=opts.location,
                home=home,
                group=opts.login.group,
                service=OPENSCALE_SERVICE,
                narrowing=("--group", "--location"),
            )
        except NotLoggedIn:
            res.result = "not logged in"
            return None
        res.result = f"{instance.name} ({instance.guid}, {instance.location or 'unknown region'})"
    if instance.service_name and instance.service_name != OPENSCALE_SERVICE:
        ui.warn(f"{instance.name} is a {instance.service_name} instance, not OpenScale ({OPENSCALE_SERVICE})")
    return instance


def _create_and_write(
    run: _Run, instance: ServiceInstance, target: Target | None
) -> tuple[Credentials, str, Profile | None]:
    cli, opts, ui, path, home = run.cli, run.opts, run.ui, run.path, run.home
    name = opts.key_name or default_key_name()
    # A format that cannot carry the values must fail before a key exists: render with a placeholder.
    placeholder = ApiKey(name=name, id="ApiKey-placeholder", apikey="placeholder-key")
    if opts.out is not None:
        creds_mod.render(build_credentials(placeholder, instance, target), opts.fmt)

    text = ""
    with sigint_deferred() as hold:
        with ui.step(f"Creating API key {name}") as res:
            key = create_key(cli, name, key_description(instance.name, instance.guid), home=home)
            res.result = key.id or name
        # A GUID or CRN is found in any group: then --group says nothing about where the instance is.
        group = None if is_instance_id(opts.instance) else opts.login.group
        creds = build_credentials(key, instance, _with_group(target, instance, group))
        # The key's only copy must reach its store: one that cannot (a value the format cannot carry,
        # a full disk, a stdout nobody reads) is deleted rather than left orphaned.
        with adding(lambda: discard_key(cli, key, home=home)):
            if opts.out is None:
                with ui.step(f"Storing the key as profile {opts.profile}") as res:
                    saved = run.profiles.save(Profile.from_credentials(opts.profile, creds), creds.apikey)
                    res.result = saved.secret.describe()
                hold.note = saved_note(key, f"profile {opts.profile} ({saved.secret.describe()})")
                return creds, text, saved
            text = creds_mod.render(creds, opts.fmt)
            if path is None:
                run.write_stdout(text)
                hold.note = saved_note(key, "standard output")
                location = store.NOT_KEPT
            else:
                with ui.step(f"Writing credentials to {path}") as res:
                    secretfile.write_secret(
                        path,
                        text,
                        force=opts.force or run.own_file or run.in_file is not None,
                        encoding=creds_mod.file_encoding(opts.fmt),
                    )
                    res.result = "mode 0600" if os.name == "posix" else "saved"
                hold.note = saved_note(key, str(path))
                location = store.in_file(path)
    # The key is saved (or was printed): a profile that cannot record it must say how to delete it.
    kept = "was printed" if path is None else f"is saved in {path}"
    with adding(
        f" — the new API key {key.name} ({key.id}) {kept}, but profile {opts.profile} could not record "
        f"it; delete it with `openscale-creds api-key delete {key.id}` when it is no longer needed"
    ):
        saved = run.profiles.save(Profile.from_credentials(opts.profile, creds, location))
    return creds, text, saved


def _with_group(target: Target | None, instance: ServiceInstance, group: str | None) -> Target | None:
    """What names the instance's group in the credentials when the listing shows only its ID: the
    group the search was limited to (as the login named it, else as given, unless that was the ID)."""
    if instance.resource_group or not group:
        return None  # the instance names its own group, or nothing says which group it is in
    name = target.resource_group if target and target.resource_group else group
    return None if name == instance.resource_group_id else Target(logged_in=True, resource_group=name)
