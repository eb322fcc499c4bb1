"""openscale-creds as an `ibmcloud` plug-in, tested against IBM's published plug-in SDK
(github.com/IBM-Cloud/ibm-cloud-cli-sdk), not a real `ibmcloud`: there is none here.

What the CLI does, per that SDK, and what these tests do in its place:
- `ibmcloud plugin install BINARY` copies BINARY to `<IBMCLOUD_HOME>/.bluemix/plugins/NAME/NAME` and runs
  `NAME SendMetadata` (plugin/plugin_shim.go): the tests copy the installed console script there and run
  every command from that copy, with a PATH that does not hold the virtualenv.
- It decodes stdout as `plugin.PluginMetadata` (plugin/plugin.go; no json tags, so Go's field names) and
  IBM's validator (plugin/plugin_metadata_validator.go) judges it: ported below as `ibm_findings`.
- `ibmcloud openscale-creds api-key create X` runs `NAME create X` with
  `IBMCLOUD_PLUGIN_NAMESPACE="openscale-creds api-key"` (bluemix/env.go, plugin/plugin_context.go).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
import pytest
import typer
import typer.main
from conftest import FAKE_IBMCLOUD, INSTALLED
from openscale_creds import __version__, cli, plugin_metadata

NAME = "openscale-creds"


# --- the installed copy, run the way ibmcloud runs it -------------------------------------------------


@pytest.fixture(scope="module")
def ibmcloud_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ibmcloud-home")


@pytest.fixture(scope="module")
def plugin_binary(ibmcloud_home: Path) -> Path:
    """What `ibmcloud plugin install $(command -v openscale-creds)` leaves: a copy, in its plug-in folder."""
    target = ibmcloud_home / ".bluemix" / "plugins" / NAME / NAME
    target.parent.mkdir(parents=True)
    shutil.copy2(INSTALLED, target)
    return target


def plugin_env(ibmcloud_home: Path, namespace: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("IBMCLOUD_", "BLUEMIX_", "OPENSCALE_CREDS_", "FAKE_IBMCLOUD_"))
    }
    env.update(
        # Not the virtualenv's bin: the copy must find its interpreter by itself.
        PATH=os.pathsep.join(("/usr/bin", "/bin")),
        HOME=str(ibmcloud_home / "home"),
        XDG_CONFIG_HOME=str(ibmcloud_home / "home" / ".config"),
        IBMCLOUD_HOME=str(ibmcloud_home),
        OPENSCALE_CREDS_IBMCLOUD=str(FAKE_IBMCLOUD),
        IBMCLOUD_CLI="ibmcloud",
    )
    if namespace is not None:
        env["IBMCLOUD_PLUGIN_NAMESPACE"] = namespace
    env.update(extra)
    return env


def run(binary: Path, args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args],
        env=dict(env),
        cwd=env["IBMCLOUD_HOME"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def sent(plugin_binary: Path, ibmcloud_home: Path) -> subprocess.CompletedProcess[str]:
    return run(plugin_binary, ["SendMetadata"], plugin_env(ibmcloud_home))


@pytest.fixture(scope="module")
def metadata(sent: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert sent.returncode == 0, sent.stderr
    document = json.loads(sent.stdout)
    assert isinstance(document, dict)
    return document


def app_tree(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """The app's commands as Click resolves them, independent of the generator's own walk."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from app_tree(command, (*path, name))


ROOT = typer.main.get_command(cli.app)
assert isinstance(ROOT, click.Group)
LEAVES = {path: c for path, c in app_tree(ROOT) if not isinstance(c, click.Group)}
GROUPS = {path for path, c in app_tree(ROOT) if isinstance(c, click.Group)}


# Typer's completion options set up completion of the bare command; ibmcloud completes its plug-ins itself.
STANDALONE_ONLY = {"--install-completion", "--show-completion"}


def option_names(command: click.Command) -> dict[str, bool]:
    """Every spelling of every option of `command`, and whether it takes a value."""
    return {
        name: not (p.is_flag or p.count)
        for p in command.params
        if isinstance(p, click.Option) and not set(p.opts) & STANDALONE_ONLY
        for name in (*p.opts, *p.secondary_opts)
    }


def declared_flags(command: dict[str, Any]) -> dict[str, bool]:
    """The options a metadata command declares, spelled as a user types them (the CLI adds the dashes)."""
    return {
        ("-" if len(n) == 1 else "--") + n: flag["HasValue"]
        for flag in command["Flags"]
        for n in flag["Name"].split(",")
    }


def full_path(command: dict[str, Any]) -> tuple[str, ...]:
    namespace = command["Namespace"].split()
    assert namespace[0] == NAME
    return (*namespace[1:], command["Name"])


# --- the document -----------------------------------------------------------------------------------

VERSION = {"Major": int, "Minor": int, "Build": int}
NAMESPACE_SHAPE = {"ParentName": str, "Name": str, "Aliases": [str], "Description": str, "Stage": str}
FLAG = {"Name": str, "Description": str, "HasValue": bool, "Hidden": bool}
COMMAND = {
    "Namespace": str,
    "Name": str,
    "Alias": str,
    "Aliases": [str],
    "Description": str,
    "Usage": str,
    "Flags": [FLAG],
    "Hidden": bool,
    "Stage": str,
}
# plugin.PluginMetadata as the newest SDK declares it: json.Marshal writes every exported field.
PLUGIN_METADATA = {
    "Name": str,
    "Aliases": [str],
    "Version": VERSION,
    "MinCliVersion": VERSION,
    "Namespaces": [NAMESPACE_SHAPE],
    "Commands": [COMMAND],
    "SDKVersion": VERSION,
    "DelegateBashCompletion": bool,
    "PrivateEndpointSupported": bool,
    "IsAccessFromVPC": bool,
    "IsCobraPlugin": bool,
}


def assert_shape(value: Any, shape: Any, where: str = "PluginMetadata") -> None:
    if isinstance(shape, dict):
        assert isinstance(value, dict), where
        assert list(value) == list(shape), f"{where}: fields {list(value)} != Go's {list(shape)}"
        for key, sub in shape.items():
            assert_shape(value[key], sub, f"{where}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            assert_shape(item, shape[0], f"{where}[{i}]")
    else:
        # bool is an int in Python; Go would refuse true for an int field and 1 for a bool.
        assert type(value) is shape, f"{where}: {type(value).__name__}, expected {shape.__name__}"


def test_send_metadata_writes_one_json_document_and_nothing_else_to_stdout(
    sent: subprocess.CompletedProcess[str],
) -> None:
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("{") and sent.stdout.endswith("}")
    # A second value, or a word before the document, would make Go's json.Unmarshal fail (SDK issue 122).
    document, end = json.JSONDecoder().raw_decode(sent.stdout)
    assert end == len(sent.stdout) and isinstance(document, dict)


def test_the_metadata_has_the_field_names_and_types_of_go_s_plugin_metadata(metadata: dict[str, Any]) -> None:
    assert_shape(metadata, PLUGIN_METADATA)
    assert metadata["Name"] == NAME
    version = metadata["Version"]
    assert f"{version['Major']}.{version['Minor']}.{version['Build']}" == __version__


def test_the_plugin_declares_its_own_namespace_and_one_sub_namespace_per_command_group(
    metadata: dict[str, Any],
) -> None:
    namespaces = {(n["ParentName"], n["Name"]): n for n in metadata["Namespaces"]}
    expected = {("", NAME)} | {(" ".join((NAME, *g[:-1])), g[-1]) for g in GROUPS}

    assert set(namespaces) == expected
    assert len(metadata["Namespaces"]) == len(expected)
    # The CLI's own help for `ibmcloud openscale-creds` and `ibmcloud openscale-creds api-key` shows these.
    assert all(n["Description"][:1].isupper() for n in metadata["Namespaces"])


def test_the_metadata_lists_exactly_the_app_s_commands_each_by_its_last_word(
    metadata: dict[str, Any],
) -> None:
    listed = [full_path(c) for c in metadata["Commands"]]

    assert sorted(listed) == sorted(LEAVES)
    assert {"Namespace": f"{NAME} api-key", "Name": "create"}.items() <= next(
        c for c in metadata["Commands"] if full_path(c) == ("api-key", "create")
    ).items()


def test_every_command_declares_exactly_its_own_options_and_the_global_ones(metadata: dict[str, Any]) -> None:
    for command in metadata["Commands"]:
        leaf = LEAVES[full_path(command)]
        assert declared_flags(command) == {**option_names(ROOT), **option_names(leaf)}, full_path(command)
        usage = command["Usage"]
        assert usage.startswith(f"ibmcloud {NAME} {' '.join(full_path(command))}")
        shown = [p for p in leaf.params if isinstance(p, click.Option) and not p.hidden]
        for name in (n for p in shown for n in (*p.opts, *p.secondary_opts)):
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", usage), (name, usage)


# --- IBM's metadata validator, ported ----------------------------------------------------------------
# Ported from IBM-Cloud/ibm-cloud-cli-sdk plugin/plugin_metadata_validator.go (rules, word lists and
# regular expressions), with the struct-tag rules that plugin/plugin_metadata_validator_test.go shows
# (Name/Description/Usage/Namespace required, at least one namespace and command, no `<`/`>` in a
# flag name, MinCliVersion at least 2.0.0). Every rule counts here, INFO and WARNING ones included.

COMMON_VERBS = {
    *("list", "show", "create", "update", "delete", "remove", "add", "bind", "unbind", "get", "set"),
    *("unset", "enable", "disable", "start", "stop", "restart", "config", "download"),
}
RETRIEVAL_WORDS = ("get", "show", "display", "view", "retrieve", "return", "fetch", "invite")
LIST_WORDS = ("list", "show", "display", "view", "retrieve", "get", "all", "multiple")
PLACEHOLDERS = re.compile(r"\[([aA]rguments|[oO]ptions)+\.{0,3}\]")
_PIPE_ITEM = r"[a-zA-Z0-9][a-zA-Z0-9_-]*"
_PIPE_LIST = rf"[\(\[]?\s*{_PIPE_ITEM}(?:\s*\|\s*{_PIPE_ITEM})+\s*[\)\]]?"
FLAGS_IN_USAGE = re.compile(
    rf"--[a-zA-Z][a-zA-Z0-9-]*(?:\s+{_PIPE_LIST})?|-[a-zA-Z][,\s]\s*{_PIPE_LIST}|-[a-zA-Z][,\s]\s*"
)


def _plural(name: str) -> bool:
    words = name.replace("-", " ").split()
    return bool(words) and len(words[-1]) >= 3 and words[-1].endswith("s") and words[-1] not in COMMON_VERBS


def _unclosed(usage: str) -> bool:
    pairs = {")": "(", "]": "[", ">": "<", "}": "{"}
    stack: list[str] = []
    for char in usage:
        if char in "([{<":
            stack.append(char)
        elif char in pairs and stack:
            if stack[-1] != pairs[char]:
                return True
            stack.pop()
    return bool(stack)


def _usage_findings(usage: str) -> list[str]:
    if PLACEHOLDERS.search(usage):
        return ["usage: placeholder arguments/flags"]
    parts = usage.split("COMMAND")
    if len(parts) == 2 and not parts[1].strip():
        return ["usage: nothing besides COMMAND"]
    return ["usage: unclosed bracket"] if _unclosed(usage) else []


def _command_findings(command: dict[str, Any], plugin_aliases: list[str]) -> list[str]:
    found: list[str] = []
    name, description = command["Name"], command["Description"]
    for field in ("Namespace", "Name", "Description", "Usage"):
        if not command[field]:
            found.append(f"required: {field}")
    if command["Usage"]:
        found += _usage_findings(command["Usage"])
    if name in {"--version", "-v", "--help", "-h"}:
        found.append("noreserves")
    parts = name.split()
    actual = " ".join(parts[1:]) if len(parts) > 1 else name
    found += [f"cmdsegmin: {s}" for s in re.split(r"[- ]", actual) if s and len(s) < 2]
    words = actual.replace("-", " ").split()
    config = command["Namespace"].lower().endswith(("config get", "config set", "config unset"))
    retrieval = any(
        k in description.lower()
        for k in ["get", "show", "display", "view", "retrieve", "return", "fetch", "invite"]
    )
    if len(words) > 1 and not (set(words) & COMMON_VERBS or _plural(actual) or retrieval or config):
        found.append("noverb")
    depth = parts[1:] if len(parts) > 1 and parts[0].lower() in {"ibmcloud", "ic", "bx"} else parts
    if len(depth) > 3:
        found.append("maxnsdepth")
    if description and not description[0].isupper():
        found.append("uppercase")
    found += [
        f"nosubject: {bad}"
        for bad in ("this command", "plugin to", "commands to", "this plugin", "this is")
        if description.lower().startswith(bad)
    ]
    if len(description.split()) > 15:
        found.append("cmdwordcount")
    if _plural(name) and not any(
        k in description.lower()
        for k in ["list", "show", "display", "view", "retrieve", "get", "all", "multiple"]
    ):
        found.append("cleardesc")
    first_line = re.sub(r"/[a-z/]+", "", FLAGS_IN_USAGE.sub("", command["Usage"].split("\n")[0]))
    excluded = {"and", "or", "to", "from", "with", "ibmcloud", "ic", "bx", "options", "arguments"}
    for token in [
        *f"{command['Namespace']} {name}".split(),
        command["Alias"],
        *command["Aliases"],
        *plugin_aliases,
    ]:
        excluded |= {token.lower(), *filter(None, token.lower().split("-"))}
    lowercase = [w for w in re.findall(r"\b([a-z][a-z_-]+)\b", first_line) if w not in excluded]
    if lowercase:
        found.append(f"capargs: {', '.join(lowercase)}")
    found += [f"excludesall: {f['Name']}" for f in command["Flags"] if set(f["Name"]) & set("<>")]
    return found


def ibm_findings(metadata: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if not metadata["Name"]:
        found.append("required: Name")
    elif any(c.isupper() for c in metadata["Name"]):
        found.append("plugin name has uppercase letters")
    for field in ("Namespaces", "Commands"):
        if not metadata[field]:
            found.append(f"min: {field}")
    found += [
        f"required: Namespaces[{i}].Name" for i, n in enumerate(metadata["Namespaces"]) if not n["Name"]
    ]
    version = metadata["MinCliVersion"]
    if (version["Major"], version["Minor"], version["Build"]) < (2, 0, 0):
        found.append("mincliversion")
    for command in metadata["Commands"]:
        found += [
            f"{command['Namespace']} {command['Name']}: {f}"
            for f in _command_findings(command, metadata["Aliases"])
        ]
    return found


def test_the_metadata_passes_every_rule_of_ibm_s_metadata_validator(metadata: dict[str, Any]) -> None:
    assert ibm_findings(metadata) == []


def _ibm_sample() -> dict[str, Any]:
    """The validator's own "No errors" case (plugin_metadata_validator_test.go), with Go's zero values."""
    flag = {"Name": "DEF", "Description": "Description for flag DEF", "HasValue": False, "Hidden": False}
    return {
        "Name": "plugin",
        "Aliases": [],
        "Version": {"Major": 1, "Minor": 0, "Build": 0},
        "MinCliVersion": {"Major": 2, "Minor": 0, "Build": 0},
        "Namespaces": [
            {"ParentName": "namespace", "Name": "command", "Aliases": [], "Description": "", "Stage": ""}
        ],
        "Commands": [
            {
                "Namespace": "plugin",
                "Name": "command",
                "Alias": "",
                "Aliases": [],
                "Description": "A sample command",
                "Usage": "command ABC (--DEF | --GHI)",
                "Flags": [flag],
                "Hidden": False,
                "Stage": "",
            }
        ],
    }


@pytest.mark.parametrize(
    ("field", "value", "finding"),
    [
        ("Usage", "command [options...]", "usage: placeholder"),
        ("Usage", "command COMMAND", "usage: nothing besides COMMAND"),
        ("Usage", "command ([--DEF | ABD)", "usage: unclosed bracket"),
        ("Usage", "", "required: Usage"),
        ("Usage", "command abc (--DEF | --GHI)", "capargs: abc"),
        ("Description", "a sample command", "uppercase"),
        ("Description", "This command creates things", "nosubject: this command"),
        ("Description", "Create " + "very " * 15 + "much", "cmdwordcount"),
        ("Name", "--version", "noreserves"),
        ("Name", "instances", "cleardesc"),
        ("Name", "x", "cmdsegmin: x"),
        ("Name", "thing foo bar", "noverb"),
        (
            "Flags",
            [{"Name": "<invalid Value>", "Description": "", "HasValue": False, "Hidden": False}],
            "excludesall",
        ),
    ],
)
def test_the_ported_validator_reports_what_ibm_s_reports_for_a_broken_command(
    field: str, value: Any, finding: str
) -> None:
    assert ibm_findings(_ibm_sample()) == []
    broken = _ibm_sample()
    broken["Commands"][0][field] = value

    assert any(finding in f for f in ibm_findings(broken)), ibm_findings(broken)


@pytest.mark.parametrize(
    ("field", "value", "finding"),
    [
        ("MinCliVersion", {"Major": 1, "Minor": 9, "Build": 9}, "mincliversion"),
        ("Name", "Plugin", "uppercase"),
        ("Namespaces", [], "min: Namespaces"),
        ("Commands", [], "min: Commands"),
    ],
)
def test_the_ported_validator_reports_what_ibm_s_reports_for_a_broken_plugin(
    field: str, value: Any, finding: str
) -> None:
    broken = _ibm_sample()
    broken[field] = value

    assert any(finding in f for f in ibm_findings(broken)), ibm_findings(broken)


# --- dispatch: every listed command, as ibmcloud runs it ---------------------------------------------


def test_every_listed_command_runs_from_the_installed_copy_as_ibmcloud_runs_it(
    metadata: dict[str, Any], plugin_binary: Path, ibmcloud_home: Path
) -> None:
    commands = metadata["Commands"]

    def help_of(command: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        return run(
            plugin_binary, [command["Name"], "--help"], plugin_env(ibmcloud_home, command["Namespace"])
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(help_of, commands))

    for command, done in zip(commands, results, strict=True):
        assert done.returncode == 0, (command["Namespace"], command["Name"], done.stderr)
        # Click's help names the command it reached, with its full path.
        assert done.stdout.startswith(f"Usage: {NAME} {' '.join(full_path(command))} "), done.stdout


def test_a_sub_namespace_command_with_global_options_after_it_prints_its_plan(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    env = plugin_env(ibmcloud_home, f"{NAME} api-key")

    done = run(plugin_binary, ["create", "my-key", "--dry-run", "--shell", "posix"], env)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{FAKE_IBMCLOUD} iam api-key-create my-key -d 'created by {NAME}' --output json\n"


def test_a_top_level_command_runs_in_the_plugin_s_own_namespace(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    done = run(plugin_binary, ["doctor", "--dry-run", "--shell=posix"], plugin_env(ibmcloud_home, NAME))

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{FAKE_IBMCLOUD} --version\n{FAKE_IBMCLOUD} target --output json\n"


def test_a_value_that_looks_like_a_global_option_stays_the_value_of_its_option(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    env = plugin_env(ibmcloud_home, f"{NAME} api-key")

    done = run(plugin_binary, ["create", "k", "--description", "--verbose", "--dry-run"], env)

    # `--verbose` reached --description (and was refused there as a dash value), not the root.
    assert done.returncode == 2
    assert "description starts with '-'" in done.stderr


def test_the_older_bluemix_variable_is_read_too_and_the_ibmcloud_one_wins(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    bluemix = plugin_env(ibmcloud_home, BLUEMIX_PLUGIN_NAMESPACE=f"{NAME} api-key")
    both = plugin_env(ibmcloud_home, f"{NAME} api-key", BLUEMIX_PLUGIN_NAMESPACE=f"{NAME} nothing")

    for env in (bluemix, both):
        done = run(plugin_binary, ["create", "--help"], env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"Usage: {NAME} api-key create ")


def test_an_unknown_namespace_of_its_own_is_refused_with_the_reinstall_fix(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    done = run(plugin_binary, ["create", "k"], plugin_env(ibmcloud_home, f"{NAME} keys"))

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert f"namespace '{NAME} keys'" in done.stderr and "ibmcloud plugin install -f" in done.stderr


def test_another_plugin_s_namespace_inherited_through_the_environment_is_ignored(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    done = run(plugin_binary, ["api-key", "create", "--help"], plugin_env(ibmcloud_home, "other-plugin sub"))

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: {NAME} api-key create ")


def test_send_metadata_with_another_argument_is_not_the_metadata_request(
    plugin_binary: Path, ibmcloud_home: Path
) -> None:
    done = run(plugin_binary, ["SendMetadata", "x"], plugin_env(ibmcloud_home))

    assert done.returncode == 2
    assert not done.stdout.startswith("{")


def test_send_metadata_needs_no_ibmcloud_and_imports_nothing_heavy(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from openscale_creds.cli import main\n"
        "try:\n"
        "    main(['SendMetadata'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "sys.stdout.flush()\n"
        "heavy = ('pexpect', 'yaml', 'http', 'ssl', 'pydantic', 'rich', 'openscale_creds.workflow',\n"
        "         'openscale_creds.runner', 'openscale_creds.parsers', 'openscale_creds.openscale_api')\n"
        "print('\\n' + ' '.join(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy),"
        " file=sys.stderr)\n"
    )
    env = {**os.environ, "PATH": str(tmp_path), "OPENSCALE_CREDS_IBMCLOUD": str(tmp_path / "no-ibmcloud")}

    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Name"] == NAME
    assert done.stderr.strip() == ""


# --- the generator on other shapes of app -------------------------------------------------------------


def _nested_app() -> click.Group:
    app = typer.Typer()
    outer = typer.Typer(help="Manage outer things.")
    inner = typer.Typer(help="Manage inner things.")
    app.add_typer(outer, name="outer")
    outer.add_typer(inner, name="inner")

    @app.callback()
    def _root(verbose: bool = typer.Option(False, "--verbose", help="log more.")) -> None:
        """Do things."""

    @inner.command("create")
    def _create(
        name: str = typer.Argument(..., help="The name."),
        legacy: str = typer.Option("", "--legacy", hidden=True, help="Old spelling."),
        size: int = typer.Option(1, "--size", "-s", help="How many."),
    ) -> None:
        """Create an inner thing."""

    @app.command("old-list", hidden=True)
    def _old() -> None:
        """Show old things."""

    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    return root


def test_nested_groups_become_a_chain_of_sub_namespaces_and_hidden_items_are_marked_hidden() -> None:
    document = plugin_metadata.build_metadata(_nested_app())

    assert [(n["ParentName"], n["Name"]) for n in document["Namespaces"]] == [
        ("", NAME),
        (NAME, "outer"),
        (f"{NAME} outer", "inner"),
    ]
    commands = {(c["Namespace"], c["Name"]): c for c in document["Commands"]}
    assert set(commands) == {(NAME, "old-list"), (f"{NAME} outer inner", "create")}
    assert commands[(NAME, "old-list")]["Hidden"] is True
    create = commands[(f"{NAME} outer inner", "create")]
    assert create["Hidden"] is False
    # Typer's completion options install completion for the bare command, not for ibmcloud: not declared.
    assert {f["Name"]: f["Hidden"] for f in create["Flags"]} == {
        "legacy": True,
        "s,size": False,
        "verbose": False,
    }
    assert create["Usage"] == f"ibmcloud {NAME} outer inner create NAME [-s, --size SIZE] [--verbose]"
    assert create["Flags"][-1]["Description"] == "Log more."


def test_a_command_two_sub_namespaces_deep_gets_its_whole_path_back() -> None:
    root = _nested_app()
    environ = {"IBMCLOUD_PLUGIN_NAMESPACE": f"{NAME} outer inner"}

    rebuilt = plugin_metadata.rebuild_argv(
        ["create", "x", "-s", "--verbose", "--verbose"], environ, root=root
    )

    assert rebuilt == ["--verbose", "outer", "inner", "create", "x", "-s", "--verbose"]
    assert plugin_metadata.rebuild_argv(["create", "x", "--", "--verbose"], environ, root=root) == [
        "outer",
        "inner",
        "create",
        "x",
        "--",
        "--verbose",
    ]
    assert plugin_metadata.rebuild_argv(["create", "x"], {}, root=root) == ["create", "x"]
