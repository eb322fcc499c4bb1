"""The one careful writer of secret files, and where those files live by default.

A credentials file is created 0600 from its first byte (the temp file is opened with that mode, so
there is no write-then-chmod window and the umask can only narrow it), written in full and fsynced,
then moved onto the target in one step: readers see the old file or the new one, never half of it.
Without `force` an existing target is refused, and the check is repeated at the moment of the move
(a hard link is an atomic create-if-absent). On any failure the temp file is removed and an existing
target is left as it was. Errors are one-line `CredsError`s naming the path and the cause, never the
content. Before anything is written the whole folder path is checked the way ssh's StrictModes checks
`~/.ssh` (`_check_folder_chain`), and the default folder, when missing, is created 0700 level by level.

On Windows there are no POSIX modes: the file inherits the ACL of its folder. The default folder,
`%APPDATA%\\openscale-creds`, is under the user's profile, which only that user (and administrators)
can read; a path elsewhere gets whatever that folder grants.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from openscale_creds import errors

APP_DIR_NAME = "openscale-creds"
DEFAULT_FILE_NAME = "credentials.yaml"
FILE_MODE = 0o600
DIR_MODE = 0o700

# Errors where the filesystem cannot make hard links at all, so "create if absent" needs another way.
_NO_LINK_ERRNOS = frozenset(
    code
    for code in (
        getattr(errno, "EPERM", None),
        getattr(errno, "ENOTSUP", None),
        getattr(errno, "EOPNOTSUPP", None),
        getattr(errno, "ENOSYS", None),
        getattr(errno, "EMLINK", None),
        getattr(errno, "EXDEV", None),
    )
    if code is not None
)


def default_config_dir(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/openscale-creds` (else `~/.config/openscale-creds`); on Windows
    `%APPDATA%\\openscale-creds`. `platform` and `env` let tests run the Windows branch on Linux:
    then the result is built with backslashes so its text is what Windows would show.

    An empty or relative home (`HOME=""` would otherwise put the file under `/.config`, a relative one
    under whatever folder the command runs in) is a `UsageError`: there is no sensible default then."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    if platform == "win32":
        import ntpath

        appdata = env.get("APPDATA")
        if appdata:
            _require_absolute("APPDATA", appdata, ntpath.isabs)
            base = appdata
        else:
            profile = env.get("USERPROFILE") or _home_from_system()
            _require_absolute("USERPROFILE", profile, ntpath.isabs)
            base = _join_windows(profile, "AppData", "Roaming")
        return Path(_join_windows(base, APP_DIR_NAME))
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / APP_DIR_NAME
    home = env.get("HOME")
    if home is None:
        home = _home_from_system()  # the password database, as the shell's `~` would use
    _require_absolute("HOME", home, os.path.isabs)
    return Path(home) / ".config" / APP_DIR_NAME


def _home_from_system() -> str:
    try:
        return str(Path.home())
    except (RuntimeError, KeyError, OSError):
        return ""


def _require_absolute(name: str, value: str, isabs: Callable[[str], bool]) -> None:
    if value and isabs(value):
        return
    what = "empty" if not value else f"a relative path ({value!r})"
    raise errors.UsageError(
        f"{name} is {what}, so there is no default place for the credentials file",
        hint=f"set {name} to your home folder's full path, or name the file explicitly",
    )


def default_credentials_path(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """`<default_config_dir>/credentials.yaml`."""
    directory = default_config_dir(platform, env)
    if (sys.platform if platform is None else platform) == "win32":
        return Path(_join_windows(str(directory), DEFAULT_FILE_NAME))
    return directory / DEFAULT_FILE_NAME


def _join_windows(base: str, *parts: str) -> str:
    return "\\".join([base.rstrip("\\/"), *parts])


def check_target(path: Path, *, force: bool) -> None:
    """Refuse, before anything irreversible happens (e.g. creating an API key), a path the writer
    would refuse later: an existing file without `force`, a symlink (even with `force`: the link
    could point anywhere), something that is not a file, a path with a folder others could write to
    or that belongs to another user (`_check_folder_chain`), a folder we cannot write in. A missing
    parent is created (0700, with any missing folders above it) only when it is our own default
    config folder; otherwise the user is told to create it."""
    path = Path(path)
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        st = None  # the parent check below says what is wrong with the folder
    except OSError as exc:
        raise _refusal(path, exc) from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise errors.Refused(
                f"refusing to write {path}: it is a symbolic link",
                hint="remove the link or choose the real path",
            )
        if not stat.S_ISREG(st.st_mode):
            raise errors.Refused(f"refusing to write {path}: it exists and is not a regular file")
        if not force:
            raise _exists(path)
    _check_parent(path.parent)


def _check_parent(parent: Path) -> None:
    try:
        pst = parent.stat()
    except FileNotFoundError:
        if not _is_default_dir(parent):
            raise errors.UsageError(
                f"folder {parent} does not exist", hint="create it first or choose another path"
            ) from None
        _create_private_folders(parent)
        try:
            pst = parent.stat()
        except OSError as exc:
            raise _refusal(parent, exc, verb="use folder") from None
    except OSError as exc:
        raise _refusal(parent, exc, verb="use folder") from None
    if not stat.S_ISDIR(pst.st_mode):
        raise errors.UsageError(f"{parent} is not a folder")
    if os.name == "posix":
        _check_folder_chain(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        cause = "read-only file system" if _is_read_only_fs(parent) else "permission denied"
        raise errors.Refused(f"cannot write in {parent}: {cause}", hint="choose another path")


def _create_private_folders(folder: Path) -> None:
    """Create `folder` and the missing folders above it, each exactly 0700 whatever the umask.

    The part of the path that exists is checked first, so nothing is created under a folder others
    control. `mkdir(0700)` can only end narrower than that (a umask only removes bits), so the chmod
    after it never opens a folder wider than 0700, not even for an instant. (pathlib's
    `mkdir(parents=True)` would make the upper levels 0777 minus the umask: 0777 under `umask 000`.)"""
    missing: list[Path] = []
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        missing.append(existing)
        existing = existing.parent
    if os.name == "posix":
        _check_folder_chain(existing, shown=folder)
    for level in reversed(missing):
        try:
            os.mkdir(level, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to chmod; the chain check judges it
        except OSError as exc:
            raise _refusal(level, exc, verb="create folder") from None
        if os.name == "posix":
            try:
                os.chmod(level, DIR_MODE)
            except OSError as exc:
                raise _refusal(level, exc, verb="create folder") from None


def _check_folder_chain(folder: Path, *, shown: Path | None = None) -> None:
    """Refuse `folder` (a `Refused`, exit 10) when anyone but you and root could replace what is in
    it, as ssh's StrictModes does for `~/.ssh`: every folder from `/` down to it, symlinks resolved,
    must belong to you or root and be writable by no one else (group included: a group can have other
    members). The exception is a sticky folder such as `/tmp`: others may write to it, but they cannot
    rename or delete what they do not own, so it is fine when it belongs to you or root and the next
    folder down belongs to you (or root); as the file's own folder it must be yours. POSIX modes only:
    access control lists are not read. Messages name `shown` (default: `folder`) as the place the
    secret was going to."""
    me = os.geteuid()
    real = Path(os.path.realpath(folder))
    chain = [*reversed(real.parents), real]
    stats: list[os.stat_result] = []
    for level in chain:
        try:
            stats.append(os.stat(level))
        except OSError as exc:
            raise _refusal(level, exc, verb="check folder") from None
    for index, (level, st) in enumerate(zip(chain, stats, strict=True)):
        trusted_owner = st.st_uid in (me, 0)
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            last = index == len(chain) - 1
            # The folder below must be yours or root's too; the ownership check reaches it next.
            guarded = bool(st.st_mode & stat.S_ISVTX) and (st.st_uid == me if last else trusted_owner)
            if not guarded:
                raise _open_folder(shown or folder, level, st, me)
        if not trusted_owner:
            raise errors.Refused(
                f"refusing to write a secret in {shown or folder}: {level} belongs to another user "
                f"(uid {st.st_uid}), who could replace what is in it",
                hint="choose a folder of your own, e.g. the default under your home",
            )


def _open_folder(folder: Path, level: Path, st: os.stat_result, me: int) -> errors.Refused:
    where = "that folder" if level == Path(os.path.realpath(folder)) else f"{level}, a folder on its path"
    how = "" if st.st_mode & stat.S_IWOTH else " through its group"
    if st.st_uid == me and not st.st_mode & stat.S_ISVTX:
        import shlex

        hint = f"make it private with `chmod go-w {shlex.quote(str(level))}`, or choose another folder"
    else:
        hint = "choose a private folder, e.g. the default under your home"
    return errors.Refused(
        f"refusing to write a secret in {folder}: other users can write to {where}{how}", hint=hint
    )


def _is_default_dir(parent: Path) -> bool:
    try:
        return os.path.abspath(parent) == os.path.abspath(default_config_dir())
    except (OSError, RuntimeError, errors.CredsError):
        return False


def _is_read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):
        return False


def write_secret(path: Path, text: str, *, force: bool = False, encoding: str = "utf-8") -> None:
    """Write `text` to `path` as a private file (0600 on POSIX; see the module docstring for
    Windows), atomically. Without `force` an existing target is refused (`Refused`, exit 10).
    When replacing, the new file is never more open than the old one."""
    path = Path(path)
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        # The exception text would quote the offending character, which may be part of a key.
        raise errors.Unrepresentable(
            f"cannot write {path}: the credentials cannot be encoded as {encoding}"
        ) from None
    check_target(path, force=force)
    mode = FILE_MODE
    if force:
        with contextlib.suppress(OSError):
            mode &= stat.S_IMODE(path.stat().st_mode)

    temp: str | None = None
    try:
        temp, fd = _create_temp(path)
        try:
            _write_all(fd, data)
            if os.name == "posix" and mode != FILE_MODE:
                os.fchmod(fd, mode)  # only ever narrows: the file was created 0600
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(temp, path)
        else:
            _create_from(temp, path)
        temp = None
        _fsync_dir(path.parent)
    except errors.CredsError:
        raise
    except KeyboardInterrupt:
        raise errors.Interrupted(f"interrupted while writing {path}") from None
    except OSError as exc:
        raise _refusal(path, exc) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _create_temp(path: Path) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        # A dot name so the half-written file does not look like a credentials file in listings.
        temp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return temp, os.open(temp, flags, FILE_MODE)
        except FileExistsError:
            continue
    raise errors.Refused(f"cannot write {path}: could not create a temporary file next to it")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _create_from(temp: str, path: Path) -> None:
    """Give the finished temp file the target name only if that name is still free."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise _exists(path) from None
    except OSError as exc:
        if exc.errno not in _NO_LINK_ERRNOS:
            raise
        # No hard links here (FAT, some network shares). On Windows a rename refuses an existing
        # target, which is the same guarantee; elsewhere a last check narrows the race to a moment.
        if os.name != "nt" and os.path.lexists(path):
            raise _exists(path) from None
        try:
            os.rename(temp, path)
        except FileExistsError:
            raise _exists(path) from None
        return
    # The target is complete; a leftover temp name would only be litter.
    with contextlib.suppress(OSError):
        os.unlink(temp)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    # Some filesystems cannot fsync a folder (EINVAL); the file itself is already on disk.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exists(path: Path) -> errors.Refused:
    return errors.Refused(f"{path} already exists", hint="pass --force to replace it")


def _refusal(path: Path, exc: OSError, *, verb: str = "write") -> errors.Refused:
    cause = exc.strerror or type(exc).__name__
    cause = cause[:1].lower() + cause[1:]
    return errors.Refused(f"cannot {verb} {path}: {cause}")
