"""Round trips: what `shellquote` prints, read back by each shell (a real `sh`/`bash`, or an emulator
from tests/shell_emulators.py), gives back exactly the argv or the variables we started from.

Hypothesis runs derandomized (a fixed sequence of cases) so a failure reproduces on every machine.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from random import Random
from typing import Any

import mslex
import pytest
import shell_emulators as emu
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openscale_creds.errors import Unrepresentable
from openscale_creds.shellquote import (
    SHELLS,
    Dialect,
    Shell,
    msvcrt_quote,
    render_assignments,
    render_command,
)

GOLDEN: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("golden_quoting.yaml").read_text(encoding="utf-8")
)
ISSUE_VALUE = 'Open "Scale" & co %TEMP% 100%'
ISSUE_ARGV = ["resource", "service-instance", ISSUE_VALUE, "--output", "json"]

# Defined cmd variables, single letters included, so a `%x%` that slips through unescaped expands
# and the round trip fails.
CMD_ENV = {"TEMP": "C:\\Temp", "USERNAME": "alice", "PATH": "C:\\Windows"} | {
    c: f"<{c} expanded>" for c in "abcdexyz"
}

# Each property runs a few Hypothesis examples and, per example, a sweep of BULK cases from a
# generator seeded by Hypothesis: thousands of cases in all, at a fraction of Hypothesis's per-example
# cost. No shrinking: shrinking a seed only reshuffles the sweep, and each assertion names its case.
few = settings(
    derandomize=True,
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BULK = 400
# A seed, not st.randoms(): every call on a Hypothesis-backed Random is a draw, far too slow here.
seeded = st.integers(0, 2**32 - 1).map(Random)

# The alphabet of the reference's 100,000-case check, plus the other PowerShell quote characters,
# .NET-only whitespace (U+00A0, U+2028), a vertical tab and the characters of a safe bareword.
TRICKY = " \t\"\\^&|<>()%!'$;,=@#~*?{}[]-`:./+_éa日😀’“‘‚‛\xa0\u2028\x0bxyzXYZ09"
WINDOWS_EXCLUDED = "\x00\r\n\x1a"  # cmd refuses these; the Windows shells share one alphabet
POSIX_EXTRA = "\n\r"


def _text(exclude: str, extra: str = "", max_size: int = 10) -> st.SearchStrategy[str]:
    char = st.characters(codec="utf-8", exclude_characters=exclude)  # utf-8: no lone surrogates
    return st.text(st.one_of(st.sampled_from(TRICKY + extra), char), max_size=max_size)


def random_text(rnd: Random, exclude: str, extra: str = "", max_size: int = 10) -> str:
    """Mostly tricky characters, sometimes any code point (never a surrogate or an excluded one)."""
    out = []
    for _ in range(rnd.randint(0, max_size)):
        if rnd.random() < 0.85:
            out.append(rnd.choice(TRICKY + extra))
            continue
        while True:
            code = rnd.choice(
                (rnd.randint(1, 0x7F), rnd.randint(0x80, 0xFFFF), rnd.randint(0x10000, 0x10FFFF))
            )
            if not 0xD800 <= code <= 0xDFFF and chr(code) not in exclude:
                out.append(chr(code))
                break
    return "".join(out)


def random_argv(rnd: Random, *, posix: bool = False) -> list[str]:
    exclude, extra = ("\x00", POSIX_EXTRA) if posix else (WINDOWS_EXCLUDED, "")
    return [random_text(rnd, exclude, extra) for _ in range(rnd.randint(1, 4))]


windows_argv = st.lists(_text(WINDOWS_EXCLUDED), min_size=1, max_size=4)
posix_argv = st.lists(_text("\x00", POSIX_EXTRA), min_size=1, max_size=4)


def sweep(first: list[str], rnd: Random, *, posix: bool = False) -> list[list[str]]:
    return [first, *(random_argv(rnd, posix=posix) for _ in range(BULK))]


def mslex_applies(argv: Sequence[str]) -> bool:
    """mslex splits on any Unicode whitespace; real runtimes only on space and tab."""
    return not any(c.isspace() and c not in " \t" for arg in argv for c in arg)


# -- the emulators can tell wrong from right ------------------------------------------------------


def test_the_go_parser_port_reads_the_references_disputed_lines_the_go_way() -> None:
    assert emu.go_command_line_to_argv('a"b"" c d') == ['ab"', "c", "d"]
    assert emu.go_command_line_to_argv('"""a b"""') == ['"a', 'b"']
    assert emu.go_command_line_to_argv('x "a b" c\\\\"d e" f\\') == ["x", "a b", "c\\d e", "f\\"]


def test_the_cmd_emulator_catches_operators_expansion_and_unbalanced_carets() -> None:
    with pytest.raises(emu.EmulatorError):
        emu.cmd_line_to_argv("ibmcloud a&b", CMD_ENV, batch=False)
    with pytest.raises(emu.EmulatorError):
        emu.cmd_line_to_argv("ibmcloud a^", CMD_ENV, batch=False)
    assert emu.cmd_line_to_argv('ibmcloud "%TEMP%"', CMD_ENV, batch=False)[1] == ["ibmcloud", "C:\\Temp"]
    assert emu.cmd_line_to_argv("ibmcloud %NOPE%", CMD_ENV, batch=False)[1] == ["ibmcloud", "%NOPE%"]
    assert emu.cmd_line_to_argv("ibmcloud %NOPE%", CMD_ENV, batch=True)[1] == ["ibmcloud"]
    assert emu.cmd_line_to_argv("ibmcloud 50%% ^%TEMP^%", CMD_ENV, batch=False)[1] == [
        "ibmcloud",
        "50%%",
        "%TEMP%",
    ]


def test_the_powershell_emulators_show_why_51_needs_its_own_renderer() -> None:
    # The "obvious" literal loses its quotes on 5.1 and survives on 7.3.
    assert emu.powershell_line_to_argv("ibmcloud 'say \"hi\"'", legacy=True)[1] == ["say hi"]
    assert emu.powershell_line_to_argv("ibmcloud 'say \"hi\"'", legacy=False)[1] == ['say "hi"']
    assert emu.powershell_line_to_argv("ibmcloud '' x", legacy=True)[1] == ["x"]
    for line in ("ibmcloud --% x", "ibmcloud $x", "ibmcloud a,b", "ibmcloud 'open"):
        with pytest.raises(emu.EmulatorError):
            emu.powershell_tokens(line)


def test_the_sdk_reader_copy_strips_the_line_and_splits_at_the_first_equals() -> None:
    data = b"AI_OPENSCALE_APIKEY= a=b  \r\nAI_OPENSCALE_URL=u\n# comment\n"
    assert emu.sdk_read_credential_file(data, "ai_openscale") == {"APIKEY": " a=b", "URL": "u"}


def test_the_fish_emulator_reads_only_backslash_and_quote_escapes() -> None:
    assert emu.fish_run_assignments("set -gx A 'a\\\\b\\'c\\nd'\n") == {"A": "a\\b'c\\nd"}


# -- Windows command lines ------------------------------------------------------------------------


@few
@given(argv=windows_argv | posix_argv, rnd=seeded)
def test_list2cmdline_and_msvcrt_quote_round_trip_through_go_ucrt_and_msvcrt(
    argv: list[str], rnd: Random
) -> None:
    for case in sweep(argv, rnd, posix=True):
        line = subprocess.list2cmdline(case)
        forced = " ".join(msvcrt_quote(a, force=True) for a in case)
        assert " ".join(msvcrt_quote(a) for a in case) == line, case
        assert emu.go_command_line_to_argv(line) == case, case
        assert emu.go_command_line_to_argv(forced) == case, case
        if mslex_applies(case):
            for split in (mslex.split_ucrt, mslex.split_msvcrt):
                assert split(line) == case, case
                assert split(forced) == case, case


def _round_trip(line: str, shell: Shell) -> tuple[str, list[str]]:
    """(program, argv after it) as the target shell and the Go runtime would read `line`."""
    if shell == "cmd":
        program, argv = emu.cmd_line_to_argv(line, CMD_ENV, batch=False)
        return program, argv[1:]
    if shell == "bat":
        program, argv = emu.cmd_line_to_argv(line, CMD_ENV, batch=True)
        return program, argv[1:]
    if shell in ("powershell", "powershell5"):
        return emu.powershell_line_to_argv(line, legacy=shell == "powershell5")
    tokens = shlex.split(line)
    return tokens[0], tokens[1:]


@pytest.mark.parametrize("shell", ["cmd", "bat", "powershell", "powershell5"])
@few
@given(argv=windows_argv, rnd=seeded)
def test_windows_shells_pass_every_rendered_argv_to_ibmcloud_unchanged(
    shell: Shell, argv: list[str], rnd: Random
) -> None:
    for case in sweep(argv, rnd):
        line = render_command(case, shell)
        assert _round_trip(line, shell) == ("ibmcloud", case), (case, line)


@few
@given(argv=windows_argv, rnd=seeded)
def test_mslex_agrees_with_the_cmd_emulator_on_prompt_and_batch_lines(argv: list[str], rnd: Random) -> None:
    # mslex models carets and quotes, not percent expansion (which the renderings never trigger);
    # in a batch line phase 1 turns %% into a % that phase 2 ignores, as mslex does with ^%.
    for case in sweep(argv, rnd):
        if not mslex_applies(case):
            continue
        expected = ["ibmcloud", *case]
        assert mslex.split(render_command(case, "cmd"), like_cmd=True, check=True) == expected, case
        batch_line = render_command(case, "bat").replace("%%", "^%")
        assert mslex.split(batch_line, like_cmd=True, check=True) == expected, case


PATH_CHARS = "abcXYZ019 _-.()&^',;=@#$`{}[]~+é日😀’"


def random_program(rnd: Random) -> str:
    parts = []
    for _ in range(rnd.randint(0, 3)):
        part = "".join(rnd.choice(PATH_CHARS) for _ in range(rnd.randint(1, 8))).strip(" ")
        parts.append(part or "d")
    return f"{rnd.choice('CDZ')}:\\" + "".join(p + "\\" for p in parts) + "ibmcloud.exe"


@pytest.mark.parametrize("shell", ["cmd", "bat", "powershell", "powershell5"])
@few
@given(rnd=seeded)
def test_a_program_path_reaches_windows_as_the_program_to_start(shell: Shell, rnd: Random) -> None:
    for _ in range(BULK):
        program, argv = random_program(rnd), random_argv(rnd)
        line = render_command(argv, shell, program=program)
        assert _round_trip(line, shell) == (program, argv), (program, argv, line)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("value", [case["value"] for case in GOLDEN], ids=[case["name"] for case in GOLDEN])
def test_each_tricky_string_of_the_golden_table_round_trips(shell: Shell, value: str, tmp_path: Path) -> None:
    argv = ["resource", "service-instance", value]
    if shell == "posix":
        line = render_command(argv, shell, program=emu.POSIX_ARGV_PRINTER)
        assert emu.sh_lines_to_argvs([line], "sh", tmp_path) == [argv]
        assert _round_trip(render_command(argv, shell), shell) == ("ibmcloud", argv)
    else:
        assert _round_trip(render_command(argv, shell), shell) == ("ibmcloud", argv)


# -- POSIX: a real sh ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", emu.posix_shells())
@few
@given(argv=posix_argv, rnd=seeded)
def test_a_real_posix_shell_receives_every_rendered_argv_unchanged(
    shell: str, argv: list[str], rnd: Random, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cases = sweep(argv, rnd, posix=True)
    lines = [render_command(case, "posix", program=emu.POSIX_ARGV_PRINTER) for case in cases]
    assert emu.sh_lines_to_argvs(lines, shell, tmp_path_factory.mktemp("sh")) == cases


@few
@given(argv=posix_argv, rnd=seeded)
def test_shlex_splits_every_posix_rendering_back(argv: list[str], rnd: Random) -> None:
    for case in sweep(argv, rnd, posix=True):
        assert _round_trip(render_command(case, "posix"), "posix") == ("ibmcloud", case), case


def test_a_posix_program_path_with_spaces_and_quotes_runs_from_the_rendered_line(tmp_path: Path) -> None:
    folder = tmp_path / 'IBM Cloud\'s "bin" $x'
    folder.mkdir()
    program = folder / "ibm cloud"
    program.write_text("#!/bin/sh\nprintf '%s\\0' \"$@\"\n", encoding="utf-8")
    program.chmod(0o700)
    line = render_command(ISSUE_ARGV, "posix", program=str(program))
    done = subprocess.run(["sh", "-c", line], capture_output=True, check=True)
    assert done.stdout.split(b"\0")[:-1] == [a.encode() for a in ISSUE_ARGV]


# -- the issue's example ------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_the_issue_example_round_trips_in_every_shell(shell: Shell, tmp_path: Path) -> None:
    if shell == "posix":
        for sh in emu.posix_shells():
            line = render_command(ISSUE_ARGV, shell, program=emu.POSIX_ARGV_PRINTER)
            assert emu.sh_lines_to_argvs([line], sh, tmp_path) == [ISSUE_ARGV]
    else:
        # TEMP is defined, so a %TEMP% that cmd expanded would show.
        assert _round_trip(render_command(ISSUE_ARGV, shell), shell) == ("ibmcloud", ISSUE_ARGV)
        if shell in ("cmd", "bat"):
            line = render_command(ISSUE_ARGV, shell)
            checked = line.replace("%%", "^%") if shell == "bat" else line
            assert mslex.split(checked, like_cmd=True, check=True) == ["ibmcloud", *ISSUE_ARGV]


# -- credential assignments ---------------------------------------------------------------------------

NAMES = ["AI_OPENSCALE_APIKEY", "AI_OPENSCALE_URL", "a", "x"]
VALUE_EXTRA = "\n\r\x1a  "
assignments = st.lists(
    st.tuples(st.sampled_from(NAMES), _text("\x00", VALUE_EXTRA, max_size=14)),
    max_size=4,
    unique_by=lambda p: p[0],
)


def random_pairs(rnd: Random) -> list[tuple[str, str]]:
    names = rnd.sample(NAMES, rnd.randint(0, len(NAMES)))
    return [(n, random_text(rnd, "\x00", VALUE_EXTRA, max_size=14)) for n in names]


def expected_refusal(dialect: Dialect, value: str) -> bool:
    """The documented limits of each dialect (besides NUL and lone surrogates, refused everywhere)."""
    if dialect == "powershell":
        return value == "" or "\r" in value or "\n" in value
    if dialect == "cmd":
        return value == "" or any(c in value for c in "\r\n\x1a")
    if dialect == "dotenv":
        # str.strip is the SDK reader's own notion of whitespace.
        return "\r" in value or "\n" in value or value.strip() != value
    return False


def _render_or_refusal(pairs: Sequence[tuple[str, str]], dialect: Dialect) -> str | None:
    refusable = any(expected_refusal(dialect, v) for _, v in pairs)
    try:
        text = render_assignments(pairs, dialect)
    except Unrepresentable:
        assert refusable, f"{dialect} refused a value it can carry: {pairs!r}"
        return None
    assert not refusable, f"{dialect} wrote a value it cannot carry: {pairs!r}"
    return text


READERS: dict[str, Callable[[str], dict[str, str]]] = {
    "powershell": emu.powershell_run_assignments,
    "cmd": lambda text: emu.cmd_run_set_lines(text, CMD_ENV),
    "fish": emu.fish_run_assignments,
    "dotenv": lambda text: {
        f"AI_OPENSCALE_{k}": v
        for k, v in emu.sdk_read_credential_file(text.encode("utf-8"), "ai_openscale").items()
    },
}


@pytest.mark.parametrize("dialect", ["powershell", "cmd", "fish", "dotenv"])
@few
@given(pairs=assignments, rnd=seeded)
def test_assignments_are_read_back_exactly_or_refused_for_a_documented_reason(
    dialect: Dialect, pairs: list[tuple[str, str]], rnd: Random
) -> None:
    for case in [pairs, *(random_pairs(rnd) for _ in range(BULK))]:
        text = _render_or_refusal(case, dialect)
        if text is None:
            continue
        # The SDK reads only its own service's keys.
        expected = {n: v for n, v in case if dialect != "dotenv" or n.startswith("AI_OPENSCALE_")}
        assert READERS[dialect](text) == expected, (case, text)


@pytest.mark.parametrize("shell", emu.posix_shells())
@few
@given(pairs=assignments, rnd=seeded)
def test_env_assignments_evaluated_by_a_real_shell_give_back_every_value_exactly(
    shell: str, pairs: list[tuple[str, str]], rnd: Random, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cases = [pairs, *(random_pairs(rnd) for _ in range(BULK))]
    texts = [render_assignments(case, "env") for case in cases]
    names = [[n for n, _ in case] for case in cases]
    got = emu.sh_source_assignments(texts, names, shell, tmp_path_factory.mktemp("env"))
    assert got == [[v for _, v in case] for case in cases]


def test_env_assignments_are_exported_to_child_processes(tmp_path: Path) -> None:
    value = 'k-1 "x" it\'s $HOME `id` \\ ’'
    script = tmp_path / "creds.sh"
    script.write_text(render_assignments([("AI_OPENSCALE_APIKEY", value)], "env"), encoding="utf-8")
    done = subprocess.run(
        ["sh", "-c", '. "$1" && sh -c \'printf %s "$AI_OPENSCALE_APIKEY"\'', "_", str(script)],
        capture_output=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
    )
    assert done.stdout.decode() == value


@pytest.mark.parametrize("dialect", ["env", "powershell", "cmd", "fish", "dotenv"])
@pytest.mark.parametrize("value", [case["value"] for case in GOLDEN], ids=[case["name"] for case in GOLDEN])
def test_the_golden_tricky_strings_survive_every_credential_dialect_or_are_refused_for_a_documented_reason(
    dialect: Dialect, value: str, tmp_path: Path
) -> None:
    pairs = [("AI_OPENSCALE_APIKEY", value)]
    text = _render_or_refusal(pairs, dialect)
    if text is None:
        return
    if dialect == "env":
        assert emu.sh_source_assignments([text], [["AI_OPENSCALE_APIKEY"]], "sh", tmp_path) == [[value]]
    else:
        assert READERS[dialect](text) == dict(pairs)
