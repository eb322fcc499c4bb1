"""Progress on stderr: ASCII marks where Unicode would not show (NO_COLOR, a non-UTF-8 stderr, the C
locale), nothing but warnings and what the user must act on with `quiet`, and never a control
character from a name."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from _e2e import DEMO_KEY, INSTANCE, World
from conftest import FAKE_IBMCLOUD, INSTALLED
from openscale_creds import redact
from openscale_creds.ui import ASCII_MARKS, UNICODE_MARKS, TerminalUi, choose_marks

UNICODE_CHARS = ("→", "…", "✓", "✗")
LOCALE_VARS = ("LC_ALL", "LC_CTYPE", "LANG", "PYTHONIOENCODING", "PYTHONUTF8", "NO_COLOR")


def run_installed(args: list[str], tmp_path: Path, **env_vars: str) -> subprocess.CompletedProcess[bytes]:
    """The installed command with stderr a pipe, the locale variables exactly as given (the rest of
    the environment as the tests have it), and stderr kept as raw bytes to see what really went out."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(World(tmp_path).env())
    env.update(OPENSCALE_CREDS_IBMCLOUD=str(FAKE_IBMCLOUD), IBMCLOUD_API_KEY=DEMO_KEY)
    env.update(env_vars)
    return subprocess.run([str(INSTALLED), *args], env=env, capture_output=True, timeout=60, check=False)


def setup_args(tmp_path: Path, instance: str = INSTANCE) -> list[str]:
    return ["setup", "--instance", instance, "--group", "Default", "--out", str(tmp_path / "creds.yaml")]


# --- which marks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env_vars",
    [
        {"PYTHONIOENCODING": "ascii", "LANG": "C.UTF-8"},
        {"LC_ALL": "C"},
        {"LANG": "POSIX"},
        {"NO_COLOR": "1", "LANG": "C.UTF-8"},
        {"NO_COLOR": "yes please", "PYTHONIOENCODING": "utf-8"},
    ],
    ids=["pythonioencoding-ascii", "lc-all-c", "lang-posix", "no-color", "no-color-over-utf8"],
)
def test_progress_falls_back_to_plain_ascii_marks_not_escapes(
    tmp_path: Path, env_vars: dict[str, str]
) -> None:
    done = run_installed(setup_args(tmp_path), tmp_path, **env_vars)
    assert done.returncode == 0, done.stderr
    err = done.stderr.decode("ascii")  # every byte is ASCII
    assert f"-> Finding service instance {INSTANCE} ... ok " in err
    assert "\\u" not in err and "\\x" not in err
    assert (tmp_path / "creds.yaml").exists()


def test_a_failed_step_says_failed_in_ascii(tmp_path: Path) -> None:
    done = run_installed(setup_args(tmp_path, "no-such-instance"), tmp_path, PYTHONIOENCODING="ascii")
    assert done.returncode == 5
    err = done.stderr.decode("ascii")
    assert "-> Finding service instance no-such-instance ... FAILED (" in err


@pytest.mark.parametrize(
    "env_vars",
    [
        {"LANG": "C.UTF-8"},
        {"LC_ALL": "en_US.UTF-8", "NO_COLOR": ""},
        {"PYTHONIOENCODING": "utf-8", "LC_ALL": "C"},
    ],
    ids=["utf8-locale", "empty-no-color", "explicit-utf8-encoding"],
)
def test_a_utf8_stderr_gets_the_unicode_marks(tmp_path: Path, env_vars: dict[str, str]) -> None:
    done = run_installed(setup_args(tmp_path), tmp_path, **env_vars)
    assert done.returncode == 0, done.stderr
    assert f"→ Finding service instance {INSTANCE} … ✓ ".encode() in done.stderr


class _Stream(io.StringIO):
    def __init__(self, encoding: str | None) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str | None:  # type: ignore[override]
        return self._encoding


@pytest.mark.parametrize(
    ("encoding", "environ", "expected"),
    [
        ("utf-8", {}, UNICODE_MARKS),
        ("utf-8", {"LANG": "de_DE.UTF-8"}, UNICODE_MARKS),
        ("cp1252", {}, ASCII_MARKS),  # a legacy Windows code page has … but not → or ✓
        ("cp437", {}, ASCII_MARKS),
        ("latin-1", {}, ASCII_MARKS),
        ("not-a-codec", {}, ASCII_MARKS),
        (None, {}, UNICODE_MARKS),  # an in-memory stream takes anything
        ("utf-8", {"NO_COLOR": "0"}, ASCII_MARKS),  # any non-empty value counts
        ("utf-8", {"LC_ALL": "C", "LANG": "en_US.UTF-8"}, ASCII_MARKS),  # LC_ALL wins
        ("utf-8", {"LC_CTYPE": "C.UTF-8"}, UNICODE_MARKS),
        ("utf-8", {"LC_CTYPE": "C", "LANG": "en_US.UTF-8"}, ASCII_MARKS),
        # `LANG=C cmd`: Python's start-up coercion adds LC_CTYPE=C.UTF-8; the user still asked for C.
        ("utf-8", {"LANG": "C", "LC_CTYPE": "C.UTF-8"}, ASCII_MARKS),
        ("utf-8", {"PYTHONIOENCODING": "utf-8", "LANG": "C"}, UNICODE_MARKS),
    ],
)
def test_choose_marks(encoding: str | None, environ: dict[str, str], expected: object) -> None:
    assert choose_marks(_Stream(encoding), environ) == expected


def test_the_ascii_marks_are_ascii_and_the_unicode_ones_are_not() -> None:
    for mark in (ASCII_MARKS.arrow, ASCII_MARKS.ellipsis, ASCII_MARKS.ok, ASCII_MARKS.failed):
        assert mark.isascii()
    assert all(
        any(c in getattr(UNICODE_MARKS, f) for f in ("arrow", "ellipsis", "ok", "failed"))
        for c in UNICODE_CHARS
    )


# --- quiet ---------------------------------------------------------------------------------------------


def test_quiet_prints_no_progress_but_warnings_and_notices(capsys: pytest.CaptureFixture[str]) -> None:
    ui = TerminalUi(quiet=True, marks=ASCII_MARKS)
    with ui.step("Finding service instance x") as res:
        res.result = "found"
    ui.info("Credentials for x are in /tmp/x")
    ui.warn("x is not an OpenScale instance")
    ui.notice("Get a one-time code from https://example.invalid/passcode")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "warning: x is not an OpenScale instance\nGet a one-time code from https://example.invalid/passcode\n"
    )


def test_quiet_prints_nothing_for_a_failed_step_the_error_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    ui = TerminalUi(quiet=True, marks=ASCII_MARKS)
    with pytest.raises(RuntimeError), ui.step("Creating API key k"):
        raise RuntimeError("boom")
    assert capsys.readouterr().err == ""


def test_without_quiet_every_line_is_shown_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    ui = TerminalUi(marks=ASCII_MARKS)
    with ui.step("Finding service instance x") as res:
        ui.info("in the middle")  # closes the open progress line first
        res.result = "found"
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "-> Finding service instance x ... "
    assert lines[1] == "in the middle"
    assert lines[2].startswith("-> Finding service instance x ... ok found (")


def test_everything_on_stderr_is_masked_and_has_control_characters_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "ui-test-secret-5f0c2a9e7d"  # noqa: S105 - an obvious fake
    redact.register(secret)
    ui = TerminalUi(marks=ASCII_MARKS)
    with ui.step("Finding service instance \x1b[31mred\u202e") as res:
        res.result = f"key {secret}"
    ui.warn("name\rover")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\r" not in err
    assert "-> Finding service instance \\x1b[31mred\\u202e ... ok key *** (" in err
    assert "warning: name\\x0dover\n" in err
