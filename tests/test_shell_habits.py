"""Shell habits (issue 14 §2): `-h` everywhere, global options after the command, `--quiet`, and shell
completion (Typer's scripts for bash, zsh, fish and PowerShell; commands, options and profile names
completed). In-process for option handling, the installed command for completion scripts."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
import typer.main
from _e2e import DEMO_ACCOUNT, DEMO_KEY, INSTANCE, PASSCODES, World
from _sandbox import Sandbox
from conftest import INSTALLED, run_cli
from openscale_creds import cli
from openscale_creds.store import NOT_KEPT, Profile, ProfileStore

KEY_ENV = {"IBMCLOUD_API_KEY": DEMO_KEY}
NAMES = [*cli.COMMANDS, *cli.GROUPS]


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


# --- -h -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_and_group_shows_its_help_for_dash_h_and_dash_dash_help(
    box: Sandbox, name: str, flag: str
) -> None:
    done = box.run_here([*name.split(), flag])

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: openscale-creds {name} ")
    assert done.calls == []


def test_the_root_help_offers_dash_h_quiet_and_the_completion_options(box: Sandbox) -> None:
    done = box.run_here(["-h"])

    assert done.returncode == 0
    for option in ("-h, --help", "-q, --quiet", "--install-completion", "--show-completion"):
        assert option in done.stdout


# --- global options after the command -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["instance", INSTANCE, "--dry-run", "--shell", "posix"],
        ["instance", "--dry-run", INSTANCE, "--shell=posix"],
        ["--dry-run", "instance", INSTANCE, "--shell", "posix"],
    ],
)
def test_global_options_after_the_command_work_as_before_it(box: Sandbox, args: list[str]) -> None:
    before = box.run_here(["--dry-run", "--shell", "posix", "instance", INSTANCE])

    after = box.run_here(args)

    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout != ""
    assert after.calls == []


def test_a_global_option_inside_a_group_s_command_line_moves_too(box: Sandbox) -> None:
    done = box.run_here(["api-key", "create", "k", "--dry-run", "--shell", "posix"])

    assert done.returncode == 0, done.stderr
    assert done.stdout == "ibmcloud iam api-key-create k -d 'created by openscale-creds' --output json\n"


def _root() -> click.Group:
    root = typer.main.get_command(cli.app)
    assert isinstance(root, click.Group)
    return root


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # A value that looks like a global option stays the value of its option.
        (
            ["instance", "x", "--location", "--verbose", "--timeout", "5"],
            ["--timeout", "5", "instance", "x", "--location", "--verbose"],
        ),
        # Nothing after `--` moves.
        (["instance", "x", "--", "--verbose"], ["instance", "x", "--", "--verbose"]),
        # Options already in front stay there, with their values.
        (["--shell", "cmd", "instance", "x", "-q"], ["--shell", "cmd", "-q", "instance", "x"]),
        # An unknown command is left for Click to report.
        (["instanse", "x", "--verbose"], ["instanse", "x", "--verbose"]),
        # `exec` stops at COMMAND: what follows is COMMAND's, even without `--`.
        (
            ["exec", "-p", "x", "python", "--verbose", "--timeout", "3"],
            ["exec", "-p", "x", "python", "--verbose", "--timeout", "3"],
        ),
        # ...while ours before COMMAND still move.
        (["exec", "-p", "x", "-q", "python", "-q"], ["-q", "exec", "-p", "x", "python", "-q"]),
    ],
)
def test_global_options_are_moved_the_way_click_reads_tokens(args: list[str], expected: list[str]) -> None:
    assert cli.move_global_options(_root(), args) == expected


def test_a_typo_in_the_command_name_suggests_the_command(box: Sandbox) -> None:
    done = box.run_here(["instanse", INSTANCE])

    assert done.returncode == 2
    assert "Did you mean 'instance'?" in done.stderr


# --- --quiet --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_drops_the_progress_lines_and_keeps_the_data(box: Sandbox, where: str) -> None:
    command = ["setup", "--instance", INSTANCE, "--group", "Default", "--out", "-", "--format", "json"]
    # Each run its own profile: the second would otherwise replace the first's printed key, and say so.
    loud = box.run([*command, "-p", "loud"], env=KEY_ENV)
    quiet_command = [*command, "-p", "quiet"]
    quiet = box.run(["-q", *quiet_command] if where == "before" else [*quiet_command, "--quiet"], env=KEY_ENV)

    assert loud.returncode == quiet.returncode == 0, quiet.stderr
    assert "Retrieving" not in loud.stderr and loud.stderr.strip()  # progress lines were there
    assert quiet.stderr == ""
    assert '"apikey"' in quiet.stdout


def test_quiet_still_shows_the_sso_passcode_url(tmp_path: Path) -> None:
    world = World(tmp_path)

    done = run_cli(
        ["-q", "login", "--sso", "--passcode-stdin", "--account", DEMO_ACCOUNT["guid"], "--no-region"],
        env=world.env(),
        input=PASSCODES[0] + "\n",
    )

    assert done.returncode == 0, done.stderr
    assert "identity/passcode" in done.stderr  # the one line the person must act on
    assert "→" not in done.stderr and "->" not in done.stderr


# --- completion -----------------------------------------------------------------------------------

COMPLETE_VAR = "_OPENSCALE_CREDS_COMPLETE"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F"),
        ("zsh", "compdef"),
        ("fish", "complete --command openscale-creds"),
        ("powershell", "Register-ArgumentCompleter"),
        ("pwsh", "Register-ArgumentCompleter"),
    ],
)
def test_show_completion_prints_the_script_for_each_shell(shell: str, marker: str) -> None:
    done = run_cli(["--show-completion", shell])

    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
    assert f"{COMPLETE_VAR}=complete_{shell}" in done.stdout or COMPLETE_VAR in done.stdout


def test_install_completion_for_bash_writes_the_script_and_sources_it_from_bashrc(
    isolated_home: Path,
) -> None:
    done = run_cli(["--install-completion", "bash"])

    assert done.returncode == 0, done.stderr
    script = isolated_home / ".bash_completions" / "openscale-creds.sh"
    assert COMPLETE_VAR in script.read_text(encoding="utf-8")
    assert str(script) in (isolated_home / ".bashrc").read_text(encoding="utf-8")


def bash_complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would offer for `line` (the cursor at its end), asking the installed command as
    Typer's bash script does."""
    words = line.split(" ")
    done = run_cli(
        [],
        env={
            COMPLETE_VAR: "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
            **(env or {}),
        },
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("openscale-creds ins", ["instance"]),
        ("openscale-creds api-key cr", ["create"]),
        ("openscale-creds instance X --fi", ["--field"]),
        ("openscale-creds instance X --field g", ["guid"]),
        ("openscale-creds --sh", ["--shell", "--show-completion"]),
        ("openscale-creds --shell powershell", ["powershell", "powershell5"]),
    ],
)
def test_bash_completes_commands_options_and_choices(line: str, expected: list[str]) -> None:
    assert bash_complete(line) == expected


def test_completion_offers_the_profile_names_from_the_profiles_file() -> None:
    store = ProfileStore()
    for name in ("prod", "preprod", "dev"):
        store.save(Profile(name=name, instance_guid="g", secret=NOT_KEPT))

    assert cli.complete_profile("pr") == ["preprod", "prod"]
    assert cli.complete_profile("") == ["dev", "preprod", "prod"]
    assert cli.complete_profile("x") == []


def test_profile_completion_without_a_profiles_file_offers_nothing(isolated_home: Path) -> None:
    assert not any(isolated_home.rglob("profiles.json"))
    assert cli.complete_profile("") == []


def test_profile_completion_uses_the_shared_option_on_every_profile_option() -> None:
    # Every `-p/--profile` option completes profile names (cli.ProfileOpt).
    root = _root()
    ctx = click.Context(root)
    found = []
    for name in cli.COMMANDS:
        command: click.Command | None = root
        for word in name.split():
            assert isinstance(command, click.Group)
            command = command.get_command(ctx, word)
        assert command is not None
        for param in command.params:
            if isinstance(param, click.Option) and "--profile" in param.opts:
                found.append(name)
                assert "-p" in param.opts
                assert param._custom_shell_complete is not None, name  # type: ignore[attr-defined]
    if not found:
        pytest.skip("no command takes -p/--profile in this version")


def test_completion_works_without_ibmcloud_on_path() -> None:
    env = {"PATH": str(Path(INSTALLED).parent), "OPENSCALE_CREDS_IBMCLOUD": os.devnull + "-missing"}
    assert bash_complete("openscale-creds do", env) == ["doctor"]
