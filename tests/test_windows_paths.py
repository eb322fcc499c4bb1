"""The Windows code paths, run on Linux with the platform seams set to win32."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from _e2e import DEMO_KEY, INSTANCE, INSTANCE_GUID, World
from conftest import run_cli
from openscale_creds.errors import CliNotFound, UsageError
from openscale_creds.runner import resolve_ibmcloud


def win(found: str | None, *, files: tuple[str, ...] = ()) -> str:
    return resolve_ibmcloud(
        None,
        platform="win32",
        which=lambda _name: found,
        environ={"ProgramFiles": r"C:\Program Files"},
        is_file=lambda p: p in files or p == found,
    )


def test_windows_accepts_an_exe_found_on_path_whatever_its_case() -> None:
    assert win(r"C:\Tools\IBMCLOUD.EXE") == r"C:\Tools\IBMCLOUD.EXE"


@pytest.mark.parametrize(
    "wrapper",
    [r"C:\Tools\ibmcloud.cmd", r"C:\Tools\ibmcloud.BAT", r"C:\Tools\ibmcloud.bat. .", r"C:\x\ibmcloud.cmd "],
)
def test_windows_refuses_a_batch_file_wrapper_and_names_the_fix(wrapper: str) -> None:
    with pytest.raises(CliNotFound) as info:
        win(wrapper)
    assert "batch-file wrapper" in info.value.message
    assert "ibmcloud.exe" in (info.value.hint or "")


def test_windows_falls_back_to_the_program_files_install() -> None:
    # os.path is posixpath on the test machine, so compare the joined parts rather than separators.
    found = resolve_ibmcloud(
        None,
        platform="win32",
        which=lambda _name: None,
        environ={"ProgramFiles": r"C:\Program Files"},
        is_file=lambda p: p.endswith("ibmcloud.exe"),
    )
    assert found.endswith("ibmcloud.exe") and "IBM" in found


def test_windows_without_any_ibmcloud_exits_3_with_the_install_hint() -> None:
    with pytest.raises(CliNotFound) as info:
        resolve_ibmcloud(None, platform="win32", which=lambda _n: None, environ={}, is_file=lambda _p: False)
    assert "--ibmcloud" in (info.value.hint or "")


def test_windows_looks_for_ibmcloud_exe_by_name() -> None:
    asked: list[str] = []
    resolve_ibmcloud(
        None,
        platform="win32",
        which=lambda name: asked.append(name) or r"C:\b\ibmcloud.exe",
        environ={},
        is_file=lambda _p: True,
    )
    assert asked == ["ibmcloud.exe"]


def test_the_pipe_driver_is_the_windows_default() -> None:
    from openscale_creds.dialogue import default_driver_kind

    assert default_driver_kind("win32") == "pipe"


def test_windows_config_folder_is_under_appdata() -> None:
    from openscale_creds.secretfile import default_credentials_path

    path = default_credentials_path(platform="win32", env={"APPDATA": r"C:\Users\me\AppData\Roaming"})
    assert str(path).replace("/", "\\").endswith(r"AppData\Roaming\openscale-creds\credentials.yaml")


def test_under_mintty_the_passcode_prompt_explains_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openscale_creds.ui import TerminalUi

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe, as Git Bash/mintty give programs
    ui = TerminalUi(platform="win32")
    with pytest.raises(UsageError) as info:
        ui.read_passcode("https://example.invalid/identity/passcode")
    assert "--passcode-stdin" in (info.value.hint or "") and "winpty" in (info.value.hint or "")


def test_a_legacy_code_page_on_stdout_does_not_break_the_json_output(tmp_path: Path) -> None:
    world = World(tmp_path)
    env = world.env()
    assert run_cli(["login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY}).returncode == 0
    done = run_cli(["instance", INSTANCE, "--format", "json"], env={**env, "PYTHONIOENCODING": "cp437"})
    assert done.returncode == 0, done.stderr
    assert INSTANCE_GUID in done.stdout
