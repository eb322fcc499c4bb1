"""The secret-file writer: private from the first byte, atomic, never overwriting without --force,
and leaving the old file alone when anything goes wrong."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from openscale_creds import errors, secretfile
from openscale_creds.errors import ExitCode
from openscale_creds.secretfile import (
    check_target,
    default_config_dir,
    default_credentials_path,
    write_secret,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
FAKE_KEY = "fake-apikey-0000"
PLUGIN_DIR = Path(secretfile.__file__).resolve().parent.parent


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def private_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    return folder


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# --- writing ---------------------------------------------------------------------------------------


@posix_only
def test_a_new_file_holds_exactly_the_text_and_only_its_owner_can_read_it(private_dir: Path) -> None:
    target = private_dir / "credentials.yaml"
    write_secret(target, f"apikey: {FAKE_KEY}\ncafé: ☁\n")
    assert target.read_bytes() == f"apikey: {FAKE_KEY}\ncafé: ☁\n".encode()
    assert mode_of(target) == 0o600
    assert leftovers(private_dir) == []


@posix_only
def test_the_file_is_created_private_even_with_a_umask_of_zero_so_there_is_no_chmod_window(
    private_dir: Path, umask_zero: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int, int]] = []
    real_open = os.open

    def spy(path: str, flags: int, mode: int = 0o777, **kw: object) -> int:
        fd = real_open(path, flags, mode, **kw)  # type: ignore[arg-type]
        if flags & os.O_CREAT:
            # The mode the file has the instant it exists, before anything is written to it.
            seen.append((os.path.basename(path), flags, stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    monkeypatch.setattr(os, "open", spy)
    target = private_dir / "credentials.yaml"
    write_secret(target, "x: 1\n")
    monkeypatch.undo()

    assert len(seen) == 1
    name, flags, created_mode = seen[0]
    assert name.startswith(".credentials.yaml.") and name.endswith(".tmp")
    assert flags & os.O_EXCL and flags & os.O_CREAT
    assert created_mode == 0o600
    assert mode_of(target) == 0o600


def test_an_existing_file_is_refused_without_force_with_exit_code_10_and_a_hint_naming_force(
    private_dir: Path,
) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")
    with pytest.raises(errors.Refused) as caught:
        write_secret(target, "new\n")
    assert caught.value.exit_code == ExitCode.REFUSED
    assert int(caught.value.exit_code) == 10
    assert "--force" in str(caught.value)
    assert str(target) in str(caught.value)
    assert target.read_text() == "old\n"
    assert leftovers(private_dir) == []


def test_force_replaces_an_existing_file(private_dir: Path) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")
    write_secret(target, "new\n", force=True)
    assert target.read_text() == "new\n"
    assert leftovers(private_dir) == []


def test_a_file_appearing_while_writing_is_not_overwritten_without_force(
    private_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = private_dir / "credentials.yaml"
    real_write_all = secretfile._write_all

    def other_writer_wins(fd: int, data: bytes) -> None:
        target.write_text("the other writer's file\n")
        real_write_all(fd, data)

    monkeypatch.setattr(secretfile, "_write_all", other_writer_wins)
    with pytest.raises(errors.Refused, match="--force"):
        write_secret(target, "mine\n")
    assert target.read_text() == "the other writer's file\n"
    assert leftovers(private_dir) == []


@posix_only
@pytest.mark.parametrize(("old_mode", "new_mode"), [(0o400, 0o400), (0o600, 0o600), (0o644, 0o600)])
def test_replacing_a_file_never_widens_its_mode(private_dir: Path, old_mode: int, new_mode: int) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")
    target.chmod(old_mode)
    write_secret(target, "new\n", force=True)
    assert target.read_text() == "new\n"
    assert mode_of(target) == new_mode


def test_other_encodings_are_written_as_asked(private_dir: Path) -> None:
    target = private_dir / "creds.cmd"
    write_secret(target, "set X=café\n", encoding="utf-16")
    assert target.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert target.read_text(encoding="utf-16") == "set X=café\n"


def test_text_the_encoding_cannot_carry_is_refused_without_quoting_it(private_dir: Path) -> None:
    target = private_dir / "creds.cmd"
    with pytest.raises(errors.Unrepresentable) as caught:
        write_secret(target, "key=s3cr\u00e9t\n", encoding="ascii")
    assert "ascii" in str(caught.value)
    assert "\u00e9" not in str(caught.value) and "s3cr" not in str(caught.value)
    assert not target.exists()


# --- refusals before writing -------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_a_symlink_is_refused_even_with_force_and_its_target_is_untouched(
    private_dir: Path, force: bool
) -> None:
    elsewhere = private_dir / "elsewhere.txt"
    elsewhere.write_text("precious\n")
    link = private_dir / "credentials.yaml"
    link.symlink_to(elsewhere)
    with pytest.raises(errors.Refused, match="symbolic link") as caught:
        write_secret(link, "new\n", force=force)
    assert caught.value.exit_code == ExitCode.REFUSED
    assert elsewhere.read_text() == "precious\n"
    assert link.is_symlink()


def test_a_dangling_symlink_is_refused_too(private_dir: Path) -> None:
    link = private_dir / "credentials.yaml"
    link.symlink_to(private_dir / "not-there")
    with pytest.raises(errors.Refused, match="symbolic link"):
        check_target(link, force=True)
    assert not (private_dir / "not-there").exists()


def test_a_folder_in_place_of_the_file_is_refused(private_dir: Path) -> None:
    (private_dir / "credentials.yaml").mkdir()
    with pytest.raises(errors.Refused, match="not a regular file"):
        write_secret(private_dir / "credentials.yaml", "x\n", force=True)


@posix_only
def test_a_world_writable_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(errors.Refused, match="other users can write") as caught:
        write_secret(shared / "credentials.yaml", "x\n")
    assert caught.value.exit_code == ExitCode.REFUSED
    assert list(shared.iterdir()) == []


@posix_only
@pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0, reason="needs root to chown the folder")
def test_a_sticky_world_writable_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, 65534, 65534)
    shared.chmod(0o1777)
    with pytest.raises(errors.Refused, match="other users can write"):
        check_target(shared / "credentials.yaml", force=False)


@posix_only
def test_a_sticky_world_writable_folder_of_our_own_is_accepted(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    write_secret(shared / "credentials.yaml", "x\n")
    assert (shared / "credentials.yaml").read_text() == "x\n"


def test_a_missing_folder_that_is_not_ours_is_refused_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError, match="does not exist") as caught:
        write_secret(tmp_path / "no" / "such" / "credentials.yaml", "x\n")
    assert caught.value.hint and "create it" in caught.value.hint
    assert not (tmp_path / "no").exists()


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    with pytest.raises(errors.UsageError, match="not a folder"):
        check_target(tmp_path / "plain" / "credentials.yaml", force=False)


@posix_only
def test_our_missing_default_folder_is_created_private(isolated_home: Path) -> None:
    target = default_credentials_path()
    assert not target.parent.exists()
    write_secret(target, "x\n")
    assert target.read_text() == "x\n"
    assert mode_of(target.parent) == 0o700
    assert mode_of(target) == 0o600


def test_the_pre_flight_check_alone_writes_nothing(private_dir: Path) -> None:
    check_target(private_dir / "credentials.yaml", force=False)
    assert list(private_dir.iterdir()) == []


# --- failures while writing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (errno.ENOSPC, "no space left on device"),
        (errno.EROFS, "read-only file system"),
        (errno.EACCES, "permission denied"),
        (errno.EIO, "input/output error"),
    ],
)
def test_a_failed_write_leaves_the_old_file_intact_no_temp_file_and_a_one_line_cause(
    private_dir: Path, monkeypatch: pytest.MonkeyPatch, code: int, cause: str
) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")

    def fail_half_way(fd: int, data: bytes) -> None:
        os.write(fd, data[:5])
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(secretfile, "_write_all", fail_half_way)
    with pytest.raises(errors.Refused) as caught:
        write_secret(target, f"apikey: {FAKE_KEY}\n", force=True)
    message = str(caught.value)
    assert message == f"cannot write {target}: {cause}"
    assert "\n" not in message and FAKE_KEY not in message
    assert caught.value.exit_code == ExitCode.REFUSED
    assert target.read_text() == "old\n"
    assert leftovers(private_dir) == []


def test_a_failed_fsync_is_reported_and_the_old_file_stays(
    private_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(errors.Refused, match="no space left on device"):
        write_secret(target, "new\n", force=True)
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert leftovers(private_dir) == []


def test_ctrl_c_while_writing_leaves_the_old_file_and_no_temp_file(
    private_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = private_dir / "credentials.yaml"
    target.write_text("old\n")

    def interrupted(fd: int, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(secretfile, "_write_all", interrupted)
    with pytest.raises(errors.Interrupted) as caught:
        write_secret(target, "new\n", force=True)
    assert caught.value.exit_code == ExitCode.INTERRUPTED
    assert target.read_text() == "old\n"
    assert leftovers(private_dir) == []


_AS_NOBODY = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from openscale_creds import errors, secretfile
    try:
        secretfile.write_secret(Path(sys.argv[2]), "new\\n", force=True)
    except errors.Refused as exc:
        print(int(exc.exit_code), exc)
    else:
        print("written")
    """
)


@posix_only
def test_a_read_only_folder_is_refused_and_the_old_file_stays(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        target = folder / "credentials.yaml"
        target.write_text("old\n")
        folder.chmod(0o500)
        try:
            with pytest.raises(errors.Refused, match="permission denied"):
                write_secret(target, "new\n", force=True)
            assert target.read_text() == "old\n"
            assert leftovers(folder) == []
        finally:
            folder.chmod(0o700)
        return

    # Root writes anywhere, so run the writer as `nobody` with the system Python (the venv's lives
    # under /root, which nobody cannot enter) in a folder outside the 0700 pytest tree.
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None or not os.access(PLUGIN_DIR, os.R_OK | os.X_OK):
        pytest.skip("running as root and no system python3 to run the writer as another user")
    folder = Path(tempfile.mkdtemp(prefix="openscale-ro-", dir="/tmp"))
    try:
        target = folder / "credentials.yaml"
        target.write_text("old\n")
        os.chown(target, 65534, 65534)
        os.chown(folder, 65534, 65534)
        folder.chmod(0o500)
        proc = subprocess.run(
            [python, "-c", _AS_NOBODY, str(PLUGIN_DIR), str(target)],
            user=65534,
            group=65534,
            extra_groups=[],
            env={"PATH": "/usr/bin:/bin", "HOME": str(folder)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0 and "No module named" in proc.stderr:
            pytest.skip(f"the system python3 cannot import the package: {proc.stderr.strip()[-200:]}")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"10 cannot write in {folder}: permission denied (choose another path)"
        assert target.read_text() == "old\n"
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)


# --- concurrency -------------------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from openscale_creds.secretfile import write_secret
    who, target, rounds, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for i in range(rounds):
        line = f"writer {who} round {i:03d}\\n"
        write_secret(target, line * (size // len(line)), force=True)
    """
)


def _whole(content: str) -> bool:
    lines = content.splitlines(keepends=True)
    return bool(lines) and len(set(lines)) == 1 and len(content) == len(lines[0]) * (SIZE // len(lines[0]))


SIZE = 256 * 1024


def test_two_processes_writing_the_same_path_always_leave_one_whole_file(private_dir: Path) -> None:
    target = private_dir / "credentials.yaml"
    rounds = 50
    seen: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.append(target.read_text())

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER, who, str(target), str(rounds), str(SIZE)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for who in ("A", "B")
        ]
        results = [(proc.wait(timeout=120), proc.stderr.read() if proc.stderr else "") for proc in procs]
    finally:
        stop.set()
        watcher.join()
    assert results == [(0, ""), (0, "")]
    final = target.read_text()
    assert _whole(final)
    assert final.startswith(("writer A round 049", "writer B round 049"))
    assert seen, "the reader never saw the file"
    torn = [s[:40] for s in seen if not _whole(s)]
    assert torn == []
    assert leftovers(private_dir) == []


_CREATOR = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from openscale_creds import errors
    from openscale_creds.secretfile import write_secret
    try:
        write_secret(Path(sys.argv[2]), f"creator {sys.argv[1]}\\n" * 50000)
    except errors.Refused as exc:
        print("refused", int(exc.exit_code))
    else:
        print("created")
    """
)


def test_of_several_processes_creating_the_same_file_without_force_exactly_one_wins(
    private_dir: Path,
) -> None:
    target = private_dir / "credentials.yaml"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CREATOR, str(n), str(target)], stdout=subprocess.PIPE, text=True
        )
        for n in range(6)
    ]
    outputs = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert sorted(outputs) == ["created"] + ["refused 10"] * 5
    winner = outputs.index("created")
    assert target.read_text() == f"creator {winner}\n" * 50000
    assert leftovers(private_dir) == []


# --- where the file lives -----------------------------------------------------------------------------


def test_the_default_folder_follows_xdg_config_home() -> None:
    env = {"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}
    assert default_config_dir("linux", env) == Path("/xdg/openscale-creds")
    assert default_credentials_path("darwin", env) == Path("/xdg/openscale-creds/credentials.yaml")


@pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
def test_without_a_usable_xdg_config_home_the_default_is_under_dot_config(xdg: str | None) -> None:
    env = {"HOME": "/home/u"} if xdg is None else {"HOME": "/home/u", "XDG_CONFIG_HOME": xdg}
    assert default_config_dir("linux", env) == Path("/home/u/.config/openscale-creds")


def test_on_windows_the_default_is_under_appdata() -> None:
    env = {"APPDATA": "C:\\Users\\Zoë\\AppData\\Roaming", "XDG_CONFIG_HOME": "/ignored"}
    assert str(default_config_dir("win32", env)) == "C:\\Users\\Zoë\\AppData\\Roaming\\openscale-creds"
    assert (
        str(default_credentials_path("win32", env))
        == "C:\\Users\\Zoë\\AppData\\Roaming\\openscale-creds\\credentials.yaml"
    )


def test_on_windows_without_appdata_the_default_is_the_profiles_roaming_folder() -> None:
    env = {"USERPROFILE": "C:\\Users\\u"}
    assert str(default_config_dir("win32", env)) == "C:\\Users\\u\\AppData\\Roaming\\openscale-creds"


def test_the_default_path_uses_the_isolated_test_home(isolated_home: Path) -> None:
    assert default_credentials_path() == isolated_home / ".config" / "openscale-creds" / "credentials.yaml"


# --- the whole path is checked, as ssh's StrictModes does ---------------------------------------------

as_root = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="needs root to give a folder to another user"
)
OTHER_UID = 65534  # nobody: "another user" when the tests run as root


@posix_only
def test_a_group_writable_folder_is_refused_with_the_chmod_that_fixes_it(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o770)
    with pytest.raises(errors.Refused) as caught:
        write_secret(team / "credentials.yaml", "x\n")
    assert caught.value.exit_code == ExitCode.REFUSED
    assert caught.value.message == (
        f"refusing to write a secret in {team}: other users can write to that folder through its group"
    )
    assert caught.value.hint == f"make it private with `chmod go-w {team}`, or choose another folder"
    assert list(team.iterdir()) == []


@posix_only
def test_a_private_folder_under_a_world_writable_one_is_refused_naming_the_open_folder(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    mine = shared / "mine"
    mine.mkdir(parents=True)
    mine.chmod(0o700)
    shared.chmod(0o777)
    with pytest.raises(errors.Refused) as caught:
        check_target(mine / "credentials.yaml", force=False)
    assert caught.value.message == (
        f"refusing to write a secret in {mine}: other users can write to {shared}, a folder on its path"
    )
    assert f"chmod go-w {shared}" in (caught.value.hint or "")


@posix_only
def test_a_group_writable_folder_two_levels_up_is_refused(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    target_dir = upper / "a" / "b"
    target_dir.mkdir(parents=True)
    for folder in (upper / "a", target_dir):
        folder.chmod(0o700)
    upper.chmod(0o770)
    with pytest.raises(errors.Refused, match=f"other users can write to {upper}, a folder on its path"):
        write_secret(target_dir / "credentials.yaml", "x\n")
    assert list(target_dir.iterdir()) == []


@posix_only
def test_a_symlinked_folder_is_judged_by_the_real_path_it_leads_to(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    link = private / "looks-private"
    link.symlink_to(shared)
    with pytest.raises(errors.Refused, match="other users can write to that folder"):
        check_target(link / "credentials.yaml", force=False)


@posix_only
def test_a_folder_of_our_own_under_a_sticky_root_folder_like_tmp_is_accepted(tmp_path: Path) -> None:
    sticky = tmp_path / "tmp-like"
    sticky.mkdir()
    sticky.chmod(0o1777)  # ours (root's, when the tests run as root), like /tmp
    mine = sticky / "mine"
    mine.mkdir(mode=0o700)
    write_secret(mine / "credentials.yaml", "x\n")
    assert (mine / "credentials.yaml").read_text() == "x\n"


@posix_only
def test_a_world_writable_folder_without_the_sticky_bit_above_our_folder_is_refused(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    mine = loose / "mine"
    mine.mkdir(parents=True)
    mine.chmod(0o700)
    loose.chmod(0o777)  # anyone could rename `mine` away and put their own folder in its place
    with pytest.raises(errors.Refused, match=f"other users can write to {loose}"):
        check_target(mine / "credentials.yaml", force=False)


@as_root
def test_a_sticky_folder_that_belongs_to_another_user_does_not_protect_the_folders_in_it(
    tmp_path: Path,
) -> None:
    # Its owner may rename anything in it, sticky or not.
    sticky = tmp_path / "their-tmp"
    sticky.mkdir()
    os.chown(sticky, OTHER_UID, OTHER_UID)
    sticky.chmod(0o1777)
    mine = sticky / "mine"
    mine.mkdir(mode=0o700)
    with pytest.raises(errors.Refused, match=f"other users can write to {sticky}, a folder on its path"):
        check_target(mine / "credentials.yaml", force=False)


@as_root
def test_under_a_sticky_folder_the_next_folder_down_must_be_ours(tmp_path: Path) -> None:
    sticky = tmp_path / "tmp-like"
    sticky.mkdir()
    sticky.chmod(0o1777)
    theirs = sticky / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    inner = theirs / "inner"
    inner.mkdir(mode=0o700)  # ours, but inside a folder its owner controls
    with pytest.raises(errors.Refused) as caught:
        check_target(inner / "credentials.yaml", force=False)
    assert caught.value.message == (
        f"refusing to write a secret in {inner}: {theirs} belongs to another user (uid {OTHER_UID}),"
        " who could replace what is in it"
    )
    assert caught.value.exit_code == ExitCode.REFUSED


@as_root
def test_a_folder_of_another_user_on_the_path_is_refused_even_when_only_its_owner_can_write(
    tmp_path: Path,
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    mine = theirs / "mine"
    mine.mkdir(mode=0o700)
    with pytest.raises(errors.Refused, match=f"{theirs} belongs to another user"):
        write_secret(mine / "credentials.yaml", "x\n")
    assert list(mine.iterdir()) == []


@posix_only
def test_missing_default_folders_are_created_0700_each_even_with_a_umask_of_zero(
    tmp_path: Path, umask_zero: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh-home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    target = default_credentials_path()
    write_secret(target, "x\n")
    assert mode_of(home / ".config") == 0o700
    assert mode_of(home / ".config" / "openscale-creds") == 0o700
    assert mode_of(target) == 0o600


@posix_only
def test_missing_default_folders_are_0700_even_when_the_umask_would_make_them_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "fresh-home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    old = os.umask(0o277)
    try:
        write_secret(default_credentials_path(), "x\n")
    finally:
        os.umask(old)
    assert mode_of(home / ".config") == 0o700
    assert mode_of(home / ".config" / "openscale-creds") == 0o700


@posix_only
def test_no_default_folder_is_created_under_a_home_others_can_write_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "open-home"
    home.mkdir()
    home.chmod(0o777)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    with pytest.raises(errors.Refused, match=f"other users can write to {home}"):
        write_secret(default_credentials_path(), "x\n")
    assert list(home.iterdir()) == []


@pytest.mark.parametrize(
    ("home", "said"), [("", "HOME is empty"), ("relative/home", "HOME is a relative path")]
)
def test_an_empty_or_relative_home_has_no_default_path_and_says_so(home: str, said: str) -> None:
    with pytest.raises(errors.UsageError) as caught:
        default_credentials_path("linux", {"HOME": home})
    assert caught.value.exit_code == ExitCode.USAGE
    assert str(caught.value).startswith(said)
    assert "HOME" in (caught.value.hint or "")


def test_an_absolute_xdg_config_home_needs_no_home() -> None:
    assert default_config_dir("linux", {"HOME": "", "XDG_CONFIG_HOME": "/xdg"}) == Path(
        "/xdg/openscale-creds"
    )


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"APPDATA": "AppData\\Roaming"}, "APPDATA is a relative path"),
        ({"APPDATA": "", "USERPROFILE": "Users\\me"}, "USERPROFILE is a relative path"),
    ],
)
def test_on_windows_a_relative_appdata_or_profile_has_no_default_path(env: dict[str, str], said: str) -> None:
    with pytest.raises(errors.UsageError, match=said):
        default_config_dir("win32", env)


def test_on_windows_an_empty_appdata_falls_back_to_the_profile() -> None:
    env = {"APPDATA": "", "USERPROFILE": "D:\\Users\\me"}
    assert str(default_config_dir("win32", env)) == "D:\\Users\\me\\AppData\\Roaming\\openscale-creds"


def _run_installed(
    args: list[str], env: dict[str, str], *, cwd: Path, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    from conftest import INSTALLED

    return subprocess.run(
        [str(INSTALLED), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        preexec_fn=None if umask is None else (lambda: os.umask(umask) and None),
    )


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    from _e2e import DEMO_KEY, World
    from conftest import FAKE_IBMCLOUD

    env = {k: v for k, v in os.environ.items() if k != "XDG_CONFIG_HOME"}
    env.update(World(tmp_path).env())
    env.update(OPENSCALE_CREDS_IBMCLOUD=str(FAKE_IBMCLOUD), IBMCLOUD_API_KEY=DEMO_KEY)
    env.update(extra)
    return env


@posix_only
def test_setup_under_umask_000_creates_the_config_folders_0700_and_the_file_0600(tmp_path: Path) -> None:
    from _e2e import INSTANCE

    home = tmp_path / "new-home"
    home.mkdir(mode=0o700)
    done = _run_installed(
        ["setup", "--instance", INSTANCE, "--group", "Default"],
        _cli_env(tmp_path, HOME=str(home), IBMCLOUD_HOME=str(tmp_path / "ibmcloud-home")),
        cwd=tmp_path,
        umask=0,
    )
    assert done.returncode == 0, done.stderr
    # Without --out the key is kept as a profile: here (no keychain) in the plain-file store.
    folder = home / ".config" / "openscale-creds"
    target = folder / "secrets.json"
    assert mode_of(home / ".config") == 0o700
    assert mode_of(folder) == 0o700
    assert mode_of(target) == 0o600
    assert mode_of(folder / "profiles.json") == 0o600
    assert str(target) in done.stderr


@pytest.mark.parametrize(("home", "said"), [("", "HOME is empty"), ("rel/home", "HOME is a relative path")])
@pytest.mark.parametrize("command", [["verify"], ["setup", "--instance", "x"]])
def test_the_installed_command_refuses_an_empty_or_relative_home_in_one_line_with_exit_2(
    tmp_path: Path, home: str, said: str, command: list[str]
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    env = _cli_env(tmp_path, HOME=home, IBMCLOUD_HOME=str(tmp_path / "ih"))
    done = _run_installed(command, env, cwd=work)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"openscale-creds: error: {said}")
    assert list(work.iterdir()) == []  # nothing made relative to where the command ran
