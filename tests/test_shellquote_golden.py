"""Exact output of the quoting module: the reference's golden table, whole command lines, comments,
credential assignment lines, refusals and shell detection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from openscale_creds import shellquote
from openscale_creds.errors import ExitCode, Unrepresentable
from openscale_creds.shellquote import (
    DIALECTS,
    SHELLS,
    comment,
    detect_shell,
    msvcrt_quote,
    powershell_literal,
    quote_arg,
    render_assignments,
    render_command,
)

GOLDEN_FILE = Path(__file__).with_name("golden_quoting.yaml")
GOLDEN: list[dict[str, Any]] = yaml.safe_load(GOLDEN_FILE.read_text(encoding="utf-8"))
ISSUE_VALUE = 'Open "Scale" & co %TEMP% 100%'
FAKE_KEY = "fake-KEY_0123456789abcdef"


def _golden_params(renderer_names: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(case["value"], name, case["expected"][name], id=f"{case['name']}-{name}")
        for case in GOLDEN
        for name in renderer_names
    ]


def test_the_golden_table_holds_all_22_tricky_strings_of_the_reference() -> None:
    assert len(GOLDEN) == 22
    assert all(set(case["expected"]) == {"list2cmdline", *SHELLS} for case in GOLDEN)


@pytest.mark.parametrize(("value", "shell", "expected"), _golden_params(SHELLS))
def test_each_shell_renders_each_tricky_string_exactly_as_the_reference(
    value: str, shell: shellquote.Shell, expected: str
) -> None:
    assert quote_arg(value, shell) == expected


@pytest.mark.parametrize(("value", "shell", "expected"), _golden_params(("list2cmdline",)))
def test_msvcrt_quote_and_list2cmdline_both_give_the_reference_createprocess_token(
    value: str, shell: str, expected: str
) -> None:
    assert subprocess.list2cmdline([value]) == expected
    assert msvcrt_quote(value) == expected


def test_forced_msvcrt_quoting_wraps_even_a_plain_word_and_doubles_trailing_backslashes() -> None:
    assert msvcrt_quote("plain", force=True) == '"plain"'
    assert msvcrt_quote("C:\\dir\\", force=True) == '"C:\\dir\\\\"'
    assert msvcrt_quote('a\\"b', force=True) == '"a\\\\\\"b"'


def test_cmd_double_quotes_values_with_its_own_token_delimiters() -> None:
    # cmd splits its own commands (and the program token) at , ; = outside quotes.
    for value in ("a,b", "a;b", "a=b"):
        assert quote_arg(value, "cmd") == f'"{value}"'
        assert quote_arg(value, "bat") == f'"{value}"'


def test_a_powershell_literal_doubles_all_five_single_quote_characters() -> None:
    assert (
        powershell_literal("a'b\u2018c\u2019d\u201ae\u201bf")
        == "'a''b\u2018\u2018c\u2019\u2019d\u201a\u201ae\u201b\u201bf'"
    )


# -- whole command lines ----------------------------------------------------------------------------

ISSUE_LINES = {
    "posix": "ibmcloud resource service-instance 'Open \"Scale\" & co %TEMP% 100%' --output json",
    "cmd": 'ibmcloud resource service-instance ^"Open \\^"Scale\\^" ^& co ^%TEMP^% 100^%^" --output json',
    "bat": 'ibmcloud resource service-instance ^"Open \\^"Scale\\^" ^& co %%TEMP%% 100%%^" --output json',
    "powershell": "ibmcloud resource service-instance 'Open \"Scale\" & co %TEMP% 100%' --output json",
    "powershell5": "ibmcloud resource service-instance 'Open \\\"Scale\\\" & co %TEMP% 100%' --output json",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_the_issue_example_renders_as_one_pasteable_line_per_shell(shell: shellquote.Shell) -> None:
    argv = ["resource", "service-instance", ISSUE_VALUE, "--output", "json"]
    assert render_command(argv, shell) == ISSUE_LINES[shell]


PROGRAM = "C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe"


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("posix", "'C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe' target -g 'dev team'"),
        ("cmd", '"C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe" target -g "dev team"'),
        ("bat", '"C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe" target -g "dev team"'),
        ("powershell", "& 'C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe' target -g 'dev team'"),
        ("powershell5", "& 'C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe' target -g 'dev team'"),
    ],
)
def test_a_program_path_with_spaces_is_quoted_and_called_the_way_each_shell_needs(
    shell: shellquote.Shell, expected: str
) -> None:
    assert render_command(["target", "-g", "dev team"], shell, program=PROGRAM) == expected


@pytest.mark.parametrize("shell", SHELLS)
def test_a_bare_program_name_is_shown_bare(shell: shellquote.Shell) -> None:
    assert render_command(["target"], shell) == "ibmcloud target"
    assert render_command([], shell, program="ibmcloud.exe") == "ibmcloud.exe"


@pytest.mark.parametrize("shell", ["powershell", "powershell5"])
def test_powershell_never_runs_a_provider_path_as_a_bare_program(shell: shellquote.Shell) -> None:
    # `function:x` bare would call a PowerShell function named x.
    assert render_command([], shell, program="function:x") == "& 'function:x'"


@pytest.mark.parametrize("shell", ["cmd", "bat"])
def test_cmd_quotes_a_program_name_holding_a_cmd_delimiter(shell: shellquote.Shell) -> None:
    assert render_command([], shell, program="C:\\a=b\\ibmcloud.exe") == '"C:\\a=b\\ibmcloud.exe"'


@pytest.mark.parametrize("shell", ["cmd", "bat"])
def test_cmd_refuses_a_program_path_with_a_percent_it_cannot_show_safely(shell: shellquote.Shell) -> None:
    with pytest.raises(Unrepresentable, match="program path"):
        render_command([], shell, program="C:\\100% sure\\ibmcloud.exe")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_nul_in_an_argument_is_refused_naming_its_position_not_its_text(shell: shellquote.Shell) -> None:
    with pytest.raises(Unrepresentable) as caught:
        render_command(["target", "-g", "sec\x00ret-group"], shell)
    assert "argument 3" in str(caught.value)
    assert "NUL" in str(caught.value)
    assert "sec" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(("shell", "char"), [(s, c) for s in ("cmd", "bat") for c in "\r\n\x1a"])
def test_cmd_refuses_line_breaks_and_ctrl_z_in_an_argument(shell: shellquote.Shell, char: str) -> None:
    with pytest.raises(Unrepresentable, match=shellquote._SHELL_TITLES[shell]):
        quote_arg(f"a{char}b", shell)


@pytest.mark.parametrize("shell", ["posix", "powershell", "powershell5"])
def test_shells_that_can_hold_a_newline_inside_quotes_keep_it(shell: shellquote.Shell) -> None:
    assert "\n" in quote_arg("a\nb", shell)


def test_an_unknown_shell_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown shell"):
        quote_arg("x", "tcsh")  # type: ignore[arg-type]


# -- comments ---------------------------------------------------------------------------------------

DRY_RUN_NOTE = "IBMCLOUD_API_KEY is passed in the environment"


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("posix", "# IBMCLOUD_API_KEY is passed in the environment"),
        ("powershell", "# IBMCLOUD_API_KEY is passed in the environment"),
        ("powershell5", "# IBMCLOUD_API_KEY is passed in the environment"),
        ("cmd", "REM IBMCLOUD_API_KEY is passed in the environment"),
        ("bat", "REM IBMCLOUD_API_KEY is passed in the environment"),
    ],
)
def test_a_comment_uses_each_shells_own_comment_syntax(shell: shellquote.Shell, expected: str) -> None:
    assert comment(DRY_RUN_NOTE, shell) == expected


def test_a_batch_file_comment_doubles_percent_because_expansion_runs_before_rem() -> None:
    assert comment("100% done", "bat") == "REM 100%% done"
    assert comment("100% done", "cmd") == "REM 100% done"


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("text", ["two\nlines", "carriage\rreturn", "nul\x00"])
def test_a_comment_that_would_break_onto_another_line_is_refused(shell: shellquote.Shell, text: str) -> None:
    with pytest.raises(Unrepresentable, match="comment"):
        comment(text, shell)


@pytest.mark.parametrize("shell", ["cmd", "bat"])
def test_a_cmd_comment_ending_in_a_caret_is_refused(shell: shellquote.Shell) -> None:
    with pytest.raises(Unrepresentable, match=r"\^"):
        comment("x^", shell)


# -- credential assignments -------------------------------------------------------------------------

HARD_VALUE = 'k-1 "x" %P% !b! ^&|<>() $HOME `id` \\ it\'s O’Brien'
PAIRS = [("AI_OPENSCALE_APIKEY", HARD_VALUE), ("AI_OPENSCALE_AUTH_TYPE", "iam")]

ASSIGNMENT_TEXT = {
    "env": (
        "export AI_OPENSCALE_APIKEY='k-1 \"x\" %P% !b! ^&|<>() $HOME `id` \\ it'\"'\"'s O’Brien'\n"
        "export AI_OPENSCALE_AUTH_TYPE=iam\n"
    ),
    "powershell": (
        "$Env:AI_OPENSCALE_APIKEY = 'k-1 \"x\" %P% !b! ^&|<>() $HOME `id` \\ it''s O’’Brien'\n"
        "$Env:AI_OPENSCALE_AUTH_TYPE = 'iam'\n"
    ),
    "cmd": (
        'set "AI_OPENSCALE_APIKEY=k-1 "x" %%P%% !b! ^&|<>() $HOME `id` \\ it\'s O’Brien"\n'
        'set "AI_OPENSCALE_AUTH_TYPE=iam"\n'
    ),
    "fish": (
        "set -gx AI_OPENSCALE_APIKEY 'k-1 \"x\" %P% !b! ^&|<>() $HOME `id` \\\\ it\\'s O’Brien'\n"
        "set -gx AI_OPENSCALE_AUTH_TYPE 'iam'\n"
    ),
    "dotenv": (
        'AI_OPENSCALE_APIKEY=k-1 "x" %P% !b! ^&|<>() $HOME `id` \\ it\'s O’Brien\n'
        "AI_OPENSCALE_AUTH_TYPE=iam\n"
    ),
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_assignments_are_one_line_per_variable_in_each_dialects_syntax(dialect: shellquote.Dialect) -> None:
    assert render_assignments(PAIRS, dialect) == ASSIGNMENT_TEXT[dialect]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_assignments_end_with_exactly_one_newline_and_no_blank_line(dialect: shellquote.Dialect) -> None:
    text = render_assignments(PAIRS, dialect)
    assert text.endswith("\n")
    assert not text.endswith("\n\n")
    assert render_assignments([], dialect) == ""


def test_cmd_escapes_metacharacters_that_a_quote_in_the_value_leaves_outside_quotes() -> None:
    # The value's own `"` closes cmd's quote mode, so the `&` after it needs a caret.
    assert render_assignments([("A", 'x"y&z')], "cmd") == 'set "A=x"y^&z"\n'


K = FAKE_KEY
REFUSALS = [
    ("env", f"{K}\x00", "NUL"),
    ("fish", f"{K}\x00", "NUL"),
    ("powershell", f"{K}\n{K}", "line feed"),
    ("powershell", f"{K}\r", "carriage return"),
    ("powershell", "", "empty"),
    ("cmd", f"{K}\n{K}", "line feed"),
    ("cmd", f"{K}\x1a", "Ctrl-Z"),
    ("cmd", "", "empty"),
    ("dotenv", f"{K}\n{K}", "line feed"),
    ("dotenv", f"{K}\r", "carriage return"),
    ("dotenv", f"{K} ", "whitespace"),
    ("dotenv", f" {K}", "whitespace"),
    ("dotenv", f"{K}\xa0", "whitespace"),
    ("env", f"{K}\ud800", "surrogate"),
]


@pytest.mark.parametrize(("dialect", "value", "what"), REFUSALS)
def test_a_value_a_dialect_cannot_carry_is_refused_naming_dialect_and_character_class_never_the_value(
    dialect: shellquote.Dialect, value: str, what: str
) -> None:
    with pytest.raises(Unrepresentable) as caught:
        render_assignments([("AI_OPENSCALE_APIKEY", value)], dialect)
    message = str(caught.value)
    assert what in message
    assert shellquote._DIALECT_TITLES[dialect] in message
    assert "AI_OPENSCALE_APIKEY" in message
    assert FAKE_KEY[:8] not in message
    assert FAKE_KEY[:8] not in repr(caught.value)


@pytest.mark.parametrize("dialect", ["env", "fish", "dotenv"])
def test_an_empty_value_is_written_where_the_dialect_can_hold_it(dialect: shellquote.Dialect) -> None:
    assert render_assignments([("EMPTY", "")], dialect).startswith(
        ("export EMPTY=''", "set -gx EMPTY ''", "EMPTY=\n")
    )


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", ["1ABC", "A-B", "A B", "", "A=B", "Ä"])
def test_a_variable_name_outside_letters_digits_underscore_is_refused(
    dialect: shellquote.Dialect, name: str
) -> None:
    with pytest.raises(Unrepresentable, match="not a valid environment variable name"):
        render_assignments([(name, "v")], dialect)


def test_an_unknown_dialect_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown dialect"):
        render_assignments([("A", "v")], "yaml")  # type: ignore[arg-type]


# -- shell detection --------------------------------------------------------------------------------


class _FakeShellingham:
    def __init__(self, name: str | None) -> None:
        self.name = name

    def detect_shell(self) -> tuple[str, str]:
        if self.name is None:
            raise RuntimeError("ShellDetectionFailure")
        return self.name, f"/bin/{self.name}"


@pytest.mark.parametrize(
    ("detected", "expected"),
    [
        ("pwsh", "powershell"),
        ("PWSH.EXE", "powershell"),
        ("powershell.exe", "powershell5"),
        ("powershell", "powershell5"),
        ("cmd", "cmd"),
        ("bash", "posix"),
        ("zsh", "posix"),
        ("sh", "posix"),
        ("dash", "posix"),
        ("ksh", "posix"),
        ("fish", "posix"),
    ],
)
def test_the_detected_parent_shell_chooses_the_renderer(
    monkeypatch: pytest.MonkeyPatch, detected: str, expected: str
) -> None:
    monkeypatch.setitem(sys.modules, "shellingham", _FakeShellingham(detected))
    assert detect_shell(platform="win32") == expected
    assert detect_shell(platform="linux") == expected


@pytest.mark.parametrize("detected", [None, "xonsh", "nu"])
@pytest.mark.parametrize(
    ("platform", "expected"), [("win32", "cmd"), ("linux", "posix"), ("darwin", "posix")]
)
def test_without_a_known_shell_detection_falls_back_to_the_platform_default(
    monkeypatch: pytest.MonkeyPatch, detected: str | None, platform: str, expected: str
) -> None:
    monkeypatch.setitem(sys.modules, "shellingham", _FakeShellingham(detected))
    assert detect_shell(platform=platform) == expected


def test_detection_without_shellingham_installed_falls_back_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "shellingham", None)  # makes `import` fail
    assert detect_shell(platform="win32") == "cmd"
    assert detect_shell(platform="linux") == "posix"


def test_importing_the_module_does_not_import_shellingham() -> None:
    code = "import sys, openscale_creds.shellquote; print('shellingham' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
