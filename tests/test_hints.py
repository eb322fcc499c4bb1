"""Hints that work when pasted (issue 11 §7): every `openscale-creds ...` command a message names is a
real command with real options (read from the Typer app itself), and every `ibmcloud ...` command is
one the reference (/work/shared/reference/ibmcloud-cli.md) documents.

Two sources of messages: every string literal in the package that is not a docstring (f-strings with
their values as placeholders), and the stderr of the main failures, triggered end to end against the
fake ibmcloud. The hint that replaces a rejected key is also pasted and run, to prove it helps.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from _e2e import DEMO_KEY, DUPLICATE, INSTANCE, World
from conftest import FAKE_IBMCLOUD, ROOT, run_cli

PACKAGE = ROOT / "plugin" / "openscale_creds"
BACKTICKED = re.compile(r"`((?:openscale-creds|ibmcloud)(?: [^`]*)?)`")
BACKTICKED_OPTION = re.compile(r"`(--?[a-z][a-z-]*)`")
PLACEHOLDER = "X"

# What the reference documents, command words -> flags, by section. `iam api-key-delete` is the one
# exception: the reference does not cover it; its flags are from the same IBM page as api-key-create
# (DOC-IAM, ibm-cloud-docs/cli reference/ibmcloud/cli_api_policy.md).
IBMCLOUD_DOCUMENTED: dict[tuple[str, ...], set[str]] = {
    # §1.1 (the documented synopsis plus the 2.1.1 usage text)
    ("login",): {
        *("-a", "--sso", "-u", "-p", "--apikey", "--cr-token", "--vpc-cri", "--profile", "-c"),
        *("--no-account", "--accept", "-g", "-r", "--no-region", "--skip-ssl-validation", "--vpc"),
        *("-o", "-s", "-q", "--quiet"),
    },
    # §3.1, §3.5
    ("target",): {"-r", "--unset-region", "-c", "-g", "--unset-resource-group", "--output"},
    # §2.1 (and §2.3 for --output)
    ("iam", "api-key-create"): {"-d", "--file", "--lock", "--action-if-leaked", "--output"},
    ("iam", "api-keys"): {"--output"},  # §2.3
    ("iam", "oauth-tokens"): {"--output"},  # §5
    ("iam", "bearer-token"): set(),  # §5
    ("iam", "api-key-delete"): {"-f", "--force"},  # DOC-IAM, see above
    # §4.1
    ("resource", "service-instance"): {"--location", "--id", "--output", "-q", "--quiet"},
    ("resource", "service-instances"): {
        *("--service-name", "--location", "--type", "-g", "--all-resource-groups", "--long"),
        *("--limit", "--offset", "--output", "-q", "--quiet"),
    },
    ("resource", "groups"): {"--default", "--output"},  # §1.5 (IBM's GitHub Action)
    ("config",): {"--check-version", "--locale", "--sso-otp", "--http-timeout"},  # §1.1, §6
    ("--version",): set(),  # §9
}


# --- what a command line may name ------------------------------------------------------------------


def app_command() -> click.Group:
    import typer
    from openscale_creds import cli

    command = typer.main.get_command(cli.app)
    assert isinstance(command, click.Group)
    return command


def option_names(command: click.Command) -> set[str]:
    names: set[str] = {"--help"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def is_placeholder(word: str) -> bool:
    """`X` (an f-string value), `FILE`, `<GUID or name>`, `...`: stands for what the user fills in."""
    return word == PLACEHOLDER or word == "..." or word.startswith("<") or word.isupper()


def words_of(command_line: str) -> list[str]:
    try:
        return shlex.split(command_line)
    except ValueError:
        return command_line.split()


def problems_of_openscale_creds(line: str, root: click.Group) -> list[str]:
    """What is wrong with `openscale-creds ...` as a command line: nothing, for a good hint."""
    words = words_of(line)[1:]
    group: click.Command = root
    path = ["openscale-creds"]
    root_options = option_names(root)
    while words and words[0].startswith("-"):  # global options come before the command
        option = words.pop(0).split("=")[0]
        if option not in root_options:
            return [f"{line!r}: no global option {option}"]
        if _takes_value(root, option) and words:
            words.pop(0)
    while isinstance(group, click.Group) and words and not words[0].startswith("-"):
        sub = group.get_command(click.Context(group), words[0])
        if sub is None:
            return [f"{line!r}: {' '.join(path)} has no command {words[0]!r}"]
        group, path = sub, [*path, words.pop(0)]
    if isinstance(group, click.Group):
        return [f"{line!r}: {' '.join(path)} needs a command"]
    problems = []
    known = option_names(group)
    given: set[str] = set()
    positionals = 0
    while words:
        word = words.pop(0)
        if word == "--":
            positionals += len(words)
            break
        if word.startswith("-") and not is_placeholder(word):
            option = word.split("=")[0]
            if option not in known:
                problems.append(f"{line!r}: {' '.join(path)} has no option {option}")
                continue
            given.add(option)
            if "=" not in word and _takes_value(group, option) and words:
                words.pop(0)
        else:
            positionals += 1
    for param in group.params:
        if not param.required:
            continue
        if isinstance(param, click.Option) and not given & set(param.opts):
            problems.append(f"{line!r}: {' '.join(path)} needs {param.opts[0]}")
    needed = sum(1 for p in group.params if isinstance(p, click.Argument) and p.required)
    if positionals < needed:
        problems.append(f"{line!r}: {' '.join(path)} needs {needed} argument(s)")
    return problems


def _takes_value(command: click.Command, option: str) -> bool:
    for param in command.params:
        if isinstance(param, click.Option) and option in param.opts:
            return not param.is_flag and not param.count
    return False


def problems_of_ibmcloud(line: str) -> list[str]:
    words = words_of(line)[1:]
    if not words or is_placeholder(words[0]):
        return []  # a template such as `ibmcloud ARGS`, describing any command
    for size in (2, 1):
        key = tuple(words[:size])
        if key in IBMCLOUD_DOCUMENTED:
            flags = IBMCLOUD_DOCUMENTED[key]
            named = [w.split("=")[0] for w in words[size:] if w.startswith("-") and w != "-"]
            unknown = [flag for flag in named if flag not in flags]
            return [
                f"{line!r}: the reference documents no {u} for `ibmcloud {' '.join(key)}`" for u in unknown
            ]
    return [f"{line!r}: the reference documents no command `ibmcloud {' '.join(words[:2])}`"]


def problems(line: str, root: click.Group) -> list[str]:
    if line.startswith("openscale-creds"):
        return problems_of_openscale_creds(line, root)
    return problems_of_ibmcloud(line)


# --- the messages in the source ---------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    where: str
    text: str


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else PLACEHOLDER for part in node.values)
    return None


def source_literals() -> Iterator[Literal]:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in skip or id(node) in inner:
                continue
            text = _text(node)
            if text:
                yield Literal(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}", text)


def source_commands() -> list[tuple[str, str]]:
    return [(lit.where, m.group(1)) for lit in source_literals() for m in BACKTICKED.finditer(lit.text)]


def dormant(where: str, line: str, root: click.Group) -> bool:
    """store.py's profile hints name `list` and `setup -p`, which arrive with the profile commands:
    until the app has `list`, they cannot be printed by any command and are not checked."""
    return where.startswith("plugin/openscale_creds/store.py") and "list" not in root.list_commands(
        click.Context(root)
    )


def test_the_source_names_commands_in_its_messages() -> None:
    found = {line for _where, line in source_commands()}
    # The scan sees the messages this issue is about; if these vanish the scan is broken, not the code.
    assert any(line.startswith("openscale-creds setup <GUID or name> --out") for line in found), found
    assert any(line.startswith("ibmcloud iam api-key-delete") for line in found), found


def test_every_command_a_message_names_exists_with_its_options_and_required_values() -> None:
    root = app_command()
    bad = [
        f"{where}: {problem}"
        for where, line in source_commands()
        if not dormant(where, line, root)
        for problem in problems(line, root)
    ]
    assert bad == []


def test_every_option_a_message_names_in_backticks_belongs_to_some_command() -> None:
    root = app_command()
    every: set[str] = set(option_names(root))
    stack: list[click.Command] = [root]
    while stack:
        command = stack.pop()
        every |= option_names(command)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            stack.extend(c for n in command.list_commands(ctx) if (c := command.get_command(ctx, n)))
    named = {
        (lit.where, m.group(1))
        for lit in source_literals()
        for m in BACKTICKED_OPTION.finditer(lit.text)
        if not dormant(lit.where, "", root)
    }
    assert [f"{w}: {o}" for w, o in sorted(named) if o not in every] == []


@pytest.mark.parametrize(
    ("line", "wrong"),
    [
        ("openscale-creds setup --force", "needs 1 argument"),
        ("openscale-creds rotate --old-key K", "has no option --old-key"),
        ("openscale-creds frobnicate", "has no command"),
        ("openscale-creds target", "needs 1 argument"),
        ("openscale-creds api-key", "needs a command"),
        ("ibmcloud target Nope --frob", "no --frob"),
        ("ibmcloud resource service-instance X -g G", "no -g"),
        ("ibmcloud catalog search x", "no command"),
    ],
)
def test_the_checker_catches_the_kinds_of_bad_hint_the_issue_found(line: str, wrong: str) -> None:
    found = problems(line, app_command())
    assert found and wrong in found[0], found


def test_the_checker_accepts_the_hints_that_work() -> None:
    root = app_command()
    for line in (
        "openscale-creds setup 9fd067c6-8e7c-4f7d-ae85-3621be2100ea --out creds.yaml --force",
        "openscale-creds api-key create k1 --file key.json",
        "openscale-creds instance openscale-dup --group 'AI Lab'",
        "openscale-creds --timeout 5 login --sso",
        "openscale-creds target GROUP",
        "ibmcloud resource service-instances -g 'AI Lab' --service-name aiopenscale --output json",
        "ibmcloud iam api-key-delete ApiKey-1 -f",
    ):
        assert problems(line, root) == [], line


# --- the messages the main failures print --------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def key_env(world: World) -> dict[str, str]:
    return {**world.env(), "IBMCLOUD_API_KEY": DEMO_KEY}


def assert_hints_are_real(stderr: str, command: str) -> list[str]:
    """The backticked commands in `stderr`; each checked, and each backticked option checked against
    the command that printed it."""
    root = app_command()
    lines = BACKTICKED.findall(stderr)
    assert [p for line in lines for p in problems(line, root)] == [], stderr
    own = option_names(root)
    target: click.Command = root
    for word in command.split():
        assert isinstance(target, click.Group)
        found = target.get_command(click.Context(target), word)
        assert found is not None, word
        target = found
    own |= option_names(target)
    assert [o for o in BACKTICKED_OPTION.findall(stderr) if o not in own] == [], stderr
    return lines


def made_credentials(world: World, tmp_path: Path) -> Path:
    out = tmp_path / "creds.json"
    done = run_cli(["setup", "--instance", INSTANCE, "--out", str(out)], env=key_env(world))
    assert done.returncode == 0, done.stderr
    return out


def delete_key_of(world: World, path: Path) -> None:
    key_id = json.loads(path.read_text(encoding="utf-8"))["api_key_id"]
    assert run_cli(["login"], env=key_env(world)).returncode == 0
    deleted = subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "api-key-delete", key_id, "-f"],
        env={**os.environ, **world.env()},
        capture_output=True,
        check=False,
    )
    assert deleted.returncode == 0, deleted.stderr


def test_verify_of_a_rejected_key_names_a_setup_that_replaces_it_when_pasted(
    world: World, tmp_path: Path
) -> None:
    out = made_credentials(world, tmp_path)
    delete_key_of(world, out)

    done = run_cli(["verify", str(out)], env=world.env())

    assert done.returncode == 4, done.stderr
    lines = assert_hints_are_real(done.stderr, "verify")
    fix = next(line for line in lines if line.startswith("openscale-creds setup"))
    assert "rotate" not in done.stderr  # rotate needs the old key, which was just rejected
    pasted = run_cli(shlex.split(fix)[1:], env=world.env())  # the user's session, from `login` above
    assert pasted.returncode == 0, pasted.stderr
    assert run_cli(["verify", str(out)], env=world.env()).returncode == 0


def test_rotate_of_a_rejected_key_names_the_same_working_setup(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    delete_key_of(world, out)

    done = run_cli(["rotate", str(out)], env=world.env())

    assert done.returncode == 4, done.stderr
    lines = assert_hints_are_real(done.stderr, "rotate")
    assert any(line.startswith("openscale-creds setup 9fd067c6") for line in lines), done.stderr


def test_an_ambiguous_name_suggests_the_group_option_the_instance_command_has(world: World) -> None:
    assert run_cli(["login"], env=key_env(world)).returncode == 0

    done = run_cli(["instance", DUPLICATE], env=world.env())

    assert done.returncode == 6, done.stderr
    assert "`--group`" in done.stderr
    assert_hints_are_real(done.stderr, "instance")


def test_a_failed_target_shows_the_command_that_ran_and_the_clis_reason(world: World) -> None:
    assert run_cli(["login"], env=key_env(world)).returncode == 0

    done = run_cli(["target", "Nope"], env=world.env())

    assert done.returncode == 5, done.stderr
    assert "`ibmcloud target -g Nope`" in done.stderr
    assert "No resource group found with name Nope" in done.stderr  # the reason line, kept
    assert_hints_are_real(done.stderr, "target")


@pytest.mark.parametrize(
    ("args", "code", "command"),
    [
        (["setup", "--instance", INSTANCE, "--out", "-"], 4, "setup"),  # no session, nobody at a terminal
        (["doctor"], 4, "doctor"),
        (["instance", "no-such-instance"], 4, "instance"),
        (["login"], 4, "login"),
    ],
)
def test_failures_without_a_session_name_real_ways_to_log_in(
    world: World, args: list[str], code: int, command: str
) -> None:
    done = run_cli(args, env=world.env())
    assert done.returncode == code, done.stderr
    lines = assert_hints_are_real(done.stderr, command)
    assert any(line.startswith("openscale-creds login") for line in lines), done.stderr


def test_a_name_not_in_the_group_given_names_only_options_setup_has(world: World, tmp_path: Path) -> None:
    args = ["setup", "--instance", "openscale-ronan", "--group", "AI Lab", "--out", str(tmp_path / "c")]
    done = run_cli(args, env=key_env(world))
    assert done.returncode == 5, done.stderr
    assert "--group" in done.stderr
    assert_hints_are_real(done.stderr, "setup")


def test_doctor_does_not_ask_for_a_group_the_lookups_do_not_need(world: World) -> None:
    assert run_cli(["login"], env=key_env(world)).returncode == 0
    done = run_cli(["doctor"], env=world.env())
    assert done.returncode == 0, done.stderr
    assert "does not need one" in done.stderr
    assert "fix:" not in done.stderr and BACKTICKED.findall(done.stderr) == []
