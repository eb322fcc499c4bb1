"""Awkward names (quotes, `& | < > ^ % !`, spaces, non-ASCII, 300 characters, leading `-`) through every
command and format: carried exactly, or refused with a reason before any ibmcloud runs.

The fake ibmcloud gets a world with instances and resource groups of these names. The lookups, one
setup per name and the refusals run the installed command against the fake (in parallel, each in
its own sandbox); the `--dry-run` matrix runs the CLI's entry point in-process, and setup in every
format runs the workflow over a fake facade: the same code, without an interpreter start-up each.
`--dry-run` output is parsed back with tests/shell_emulators.py (and real POSIX shells) and compared
with the argv the fake logged when the same command really ran.
"""

from __future__ import annotations

import copy
import json
import shlex
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shell_emulators as emu
import yaml
from _e2e import DEMO_KEY, INSTANCE, WORLD
from _fakes import FakeCloud, QuietUi
from _sandbox import Run, Sandbox, run_parallel

ISSUE_NAME = 'Open "Scale" & co %TEMP% 100%'

NAMES: dict[str, str] = {
    "issue": ISSUE_NAME,
    "single-quotes": "O'Reilly's 'OpenScale'",
    "backslashes-before-quotes": 'C:\\dir\\ "quoted\\" name\\',
    "cmd-operators-and-final-caret": "a&b|c<d>e^",
    "percent-and-bang": "%PATH%!USERNAME!%%x%",
    "spaced-operators": "pipes | and & amps > out < in ^ caret ! bang (paren)",
    "posix-expansions": "$(id) `id` $HOME ${x:-y} ~root * ?",
    "tab-inside": "tab\tinside",
    "unicode-spaces": "nbsp\u00a0and\u2003em\u3000ideographic",
    "curly-quotes-and-astral": "Curly \u2018single\u2019 \u201cdouble\u201d \u201elow\u201d \U0001f680",
    "non-ascii": "OpenScale caf\u00e9 \u2601 \u65e5\u672c \u00fcml\u00e4ut",
    "cmd-delimiters": "a,b;c=d==e",
    "option-words-inside": "name --output text -d x",
    "300-characters": ("Long \"q\" 's' & | < > ^ % ! \\ caf\u00e9 \u65e5\u672c " * 20)[:300],
}
assert len(NAMES["300-characters"]) == 300
# Outer spaces are legal in the resource controller's JSON; kept out of NAMES so that the one
# known way they go wrong (see its test) fails one test, not the whole matrix.
PADDED_NAME = "  padded name  "

GROUPS: dict[str, str] = {
    "issue-like": 'Team "A" & B 100% %TEMP%',
    "single-quotes": "O'Brien's group",
    "non-ascii": "\u30b0\u30eb\u30fc\u30d7 \u2601 na\u00efve",
}
# The issue's instance lives in the issue-like group, so `setup --group` has something to find.
GROUP_OF_ISSUE = GROUPS["issue-like"]

SHELLS = ("posix", "cmd", "bat", "powershell", "powershell5")
LOOKUP_ALL_OPENSCALE = [
    "resource",
    "service-instances",
    "--all-resource-groups",
    "--service-name",
    "aiopenscale",
    "--output",
    "json",
]
FORMATS = ("yaml", "json", "env", "powershell", "cmd", "fish", "dotenv")
US_SOUTH_URL = "https://api.aiopenscale.cloud.ibm.com"
# What cmd.exe would expand if a `%NAME%` escaped its quoting.
CMD_ENV = {"TEMP": r"C:\Users\me\AppData\Local\Temp", "PATH": r"C:\Windows", "USERNAME": "me", "x": "X"}


def guid_of(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "openscale-creds-awkward:" + name))


def key_for(name: str) -> str:
    """The API key created in `name`'s setup: the name itself, bracketed so that no format has an
    excuse to refuse it (dotenv cannot carry outer whitespace)."""
    return f"k[{name}]k"


def setup_args(name: str, fmt: str, *extra: str) -> list[str]:
    return [
        "setup",
        "--instance",
        name,
        "--key-name",
        name,
        "--region",
        "us-south",
        "--format",
        fmt,
        "--out",
        "-",
        *extra,
    ]


def api_env(name: str) -> dict[str, str]:
    return {"IBMCLOUD_API_KEY": DEMO_KEY, "FAKE_IBMCLOUD_NEW_APIKEY": key_for(name)}


def build_world() -> dict[str, Any]:
    world = copy.deepcopy(WORLD)
    account = world["accounts"][0]["guid"]
    for number, name in enumerate(GROUPS.values(), start=1):
        world["resource_groups"].append(
            {"name": name, "id": f"{number:032x}", "account": account, "default": False}
        )
    template = next(i for i in world["instances"] if i["name"] == INSTANCE)
    for name in [*NAMES.values(), PADDED_NAME]:
        instance = json.loads(json.dumps(template).replace(template["guid"], guid_of(name)))
        instance["name"] = name
        if name == ISSUE_NAME:
            instance["resource_group_id"] = f"{list(GROUPS.values()).index(GROUP_OF_ISSUE) + 1:032x}"
        world["instances"].append(instance)
    return world


# --- the runs ------------------------------------------------------------------------------------


@dataclass
class Site:
    """A logged-in session for the read-only commands; a fresh sandbox for anything else."""

    root: Path
    world: Path
    session: Sandbox
    counter: Iterator[int]

    def sandbox(self, *, shared_session: bool = False) -> Sandbox:
        return Sandbox(
            self.root / f"run-{next(self.counter)}",
            world=self.world,
            session_of=self.session if shared_session else None,
        )

    def run_all(self, jobs: list[tuple[list[str], dict[str, str], bool]]) -> list[Run]:
        """(args, extra env, shares the logged-in session) for each job -> its Run, in parallel."""
        boxes = [self.sandbox(shared_session=shared) for _args, _env, shared in jobs]
        return run_parallel(lambda i: boxes[i].run(jobs[i][0], env=jobs[i][1]), range(len(jobs)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("awkward")
    world = root / "world.json"
    world.write_text(json.dumps(build_world(), ensure_ascii=False), encoding="utf-8")
    session = Sandbox(root / "session", world=world)
    done = session.run(["login"], env={"IBMCLOUD_API_KEY": DEMO_KEY})
    assert done.returncode == 0, done.stderr
    return Site(root, world, session, iter(range(10**6)))


@pytest.fixture(scope="module")
def lookups(site: Site) -> dict[tuple[str, str], Run]:
    """`instance NAME --field guid` and `--format json` through the installed command, per name."""
    views = {"guid": ["--field", "guid"], "json": ["--format", "json"]}
    keys = [(nid, view) for nid in NAMES for view in views]
    runs = site.run_all([(["instance", NAMES[nid], *views[view]], {}, True) for nid, view in keys])
    return dict(zip(keys, runs, strict=True))


@pytest.fixture(scope="module")
def real_setups(site: Site) -> dict[str, Run]:
    """`setup` through the installed command: yaml for every name, every format for the issue's."""
    keys = [*NAMES, *(f"issue/{fmt}" for fmt in FORMATS if fmt != "yaml")]
    jobs = []
    for key in keys:
        nid, _, fmt = key.partition("/")
        jobs.append((setup_args(NAMES[nid], fmt or "yaml"), api_env(NAMES[nid]), False))
    return dict(zip(keys, site.run_all(jobs), strict=True))


@pytest.fixture(scope="module")
def dry_runs(site: Site) -> dict[tuple[str, str], Run]:
    """The same setup commands with --dry-run for each shell (in-process)."""
    box = site.sandbox()
    return {
        (nid, shell): box.run_here(
            ["--dry-run", "--shell", shell, *setup_args(NAMES[nid], "yaml")], env=api_env(NAMES[nid])
        )
        for nid in NAMES
        for shell in SHELLS
    }


# --- reading the outputs back --------------------------------------------------------------------


def expected_variables(name: str) -> dict[str, str]:
    return {
        "AI_OPENSCALE_APIKEY": key_for(name),
        "AI_OPENSCALE_URL": US_SOUTH_URL,
        "AI_OPENSCALE_AUTH_TYPE": "iam",
        "AI_OPENSCALE_INSTANCE_GUID": guid_of(name),
        "WATSONX_APIKEY": key_for(name),
        "WXG_SERVICE_INSTANCE_ID": guid_of(name),
        "WATSONX_REGION": "us-south",
    }


def read_document(text: str, fmt: str) -> dict[str, Any]:
    data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def read_cmd(text: str) -> dict[str, str]:
    switch = "@chcp 65001 >nul\n"
    if text.startswith(switch):
        assert not text.isascii(), "the code page switch is only for non-ASCII values"
        text = text[len(switch) :]
    else:
        assert text.isascii(), "a non-ASCII cmd script must switch the console to UTF-8 first"
    return emu.cmd_run_set_lines(text, CMD_ENV)


def read_dotenv(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for service in ("AI_OPENSCALE", "WATSONX", "WXG"):
        read = emu.sdk_read_credential_file(text.encode("utf-8"), service)
        found.update({f"{service}_{name}": value for name, value in read.items()})
    return found


READERS: dict[str, Callable[[str], dict[str, str]]] = {
    "powershell": emu.powershell_run_assignments,
    "cmd": read_cmd,
    "fish": emu.fish_run_assignments,
    "dotenv": read_dotenv,
}


def check_credentials(text: str, fmt: str, name: str, tmp: Path) -> None:
    """`text` in `fmt` carries exactly the values of `name`'s setup, read back as its consumer would."""
    if fmt in ("json", "yaml"):
        doc = read_document(text, fmt)
        assert doc["instance_name"] == name
        assert doc["api_key_name"] == name
        assert doc["apikey"] == key_for(name)
        assert doc["instance_guid"] == doc["service_instance_id"] == doc["data_mart_id"] == guid_of(name)
        assert doc["url"] == US_SOUTH_URL
    elif fmt == "env":
        wanted = expected_variables(name)
        for shell in emu.posix_shells():
            assert emu.sh_source_assignments([text], [list(wanted)], shell, tmp) == [list(wanted.values())], (
                shell
            )
    else:
        assert READERS[fmt](text) == expected_variables(name)


def commands_of(stdout: str, shell: str) -> list[str]:
    """The command lines of a --dry-run plan; every other line must be a comment."""
    marker = "REM" if shell in ("cmd", "bat") else "#"
    lines = [line for line in stdout.split("\n") if line]
    commands = [line for line in lines if not (line == marker or line.startswith(marker + " "))]
    assert commands and all(line.startswith("ibmcloud ") for line in commands), commands
    return commands


def parse_back(commands: list[str], shell: str, tmp: Path) -> list[list[str]]:
    """The argv `ibmcloud` would receive from each printed line, per the shell's emulator."""
    if shell == "posix":
        by_python = [shlex.split(line)[1:] for line in commands]
        # The lines unchanged, run by real shells with `ibmcloud` a function printing its arguments.
        alias = 'ibmcloud() { f "$@"; }'
        for real in emu.posix_shells():
            assert emu.sh_lines_to_argvs([alias, *commands], real, tmp) == by_python, real
        return by_python
    argvs = []
    for line in commands:
        if shell in ("cmd", "bat"):
            program, argv = emu.cmd_line_to_argv(line, CMD_ENV, batch=shell == "bat")
            assert argv[0] == program
            argv = argv[1:]
        else:
            program, argv = emu.powershell_line_to_argv(line, legacy=shell == "powershell5")
        assert program == "ibmcloud"
        argvs.append(argv)
    return argvs


def with_guid(argvs: list[list[str]], guid: str) -> list[list[str]]:
    return [[arg.replace("<instance guid>", guid) for arg in argv] for argv in argvs]


# --- instance ------------------------------------------------------------------------------------


@pytest.mark.parametrize("nid", NAMES)
def test_instance_field_guid_finds_the_instance_by_its_exact_name(
    nid: str, lookups: dict[tuple[str, str], Run]
) -> None:
    done = lookups[nid, "guid"]
    assert done.returncode == 0, done.stderr
    assert done.stdout == guid_of(NAMES[nid]) + "\n"
    # The name is matched here, exactly, in the listing of every group: it never reaches an argv.
    assert done.argvs == [["resource", "service-instances", "--all-resource-groups", "--output", "json"]]


@pytest.mark.parametrize("nid", NAMES)
def test_instance_json_carries_the_name_exactly(nid: str, lookups: dict[tuple[str, str], Run]) -> None:
    done = lookups[nid, "json"]
    assert done.returncode == 0, done.stderr
    data = read_document(done.stdout, "json")
    assert (data["name"], data["guid"]) == (NAMES[nid], guid_of(NAMES[nid]))


def test_instance_yaml_carries_every_name_exactly(site: Site) -> None:
    box = site.sandbox(shared_session=True)
    for name in NAMES.values():
        done = box.run_here(["instance", name, "--format", "yaml"])
        assert done.returncode == 0, done.stderr
        assert read_document(done.stdout, "yaml")["name"] == name


def test_an_instance_name_with_outer_spaces_is_shown_exactly_as_ibmcloud_reports_it(site: Site) -> None:
    done = site.sandbox(shared_session=True).run(["instance", PADDED_NAME, "--format", "json"])
    assert done.returncode == 0, done.stderr
    assert read_document(done.stdout, "json")["name"] == PADDED_NAME


# --- setup in every format -----------------------------------------------------------------------


@pytest.mark.parametrize("nid", NAMES)
def test_setup_yaml_carries_the_names_exactly_and_passes_each_as_one_argument(
    nid: str, real_setups: dict[str, Run], tmp_path: Path
) -> None:
    name = NAMES[nid]
    done = real_setups[nid]
    assert done.returncode == 0, done.stderr
    check_credentials(done.stdout, "yaml", name, tmp_path)
    lookup, create = done.argvs[1], done.argvs[2]
    assert lookup == LOOKUP_ALL_OPENSCALE
    assert create[:4] == ["iam", "api-key-create", name, "-d"]
    assert f"instance {name} ({guid_of(name)})" in create[4]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "yaml"])
def test_setup_of_the_issues_name_writes_every_format_exactly(
    fmt: str, real_setups: dict[str, Run], tmp_path: Path
) -> None:
    done = real_setups[f"issue/{fmt}"]
    assert done.returncode == 0, done.stderr
    check_credentials(done.stdout, fmt, ISSUE_NAME, tmp_path)


@pytest.mark.parametrize("nid", NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_setup_workflow_writes_every_name_in_every_format_exactly(nid: str, fmt: str, tmp_path: Path) -> None:
    from openscale_creds.models import ServiceInstance
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions, setup

    name = NAMES[nid]
    instance = ServiceInstance(
        name=name, guid=guid_of(name), location="us-south", service_name="aiopenscale", url=US_SOUTH_URL
    )
    cloud = FakeCloud([instance], new_keys=[key_for(name)])
    written: list[str] = []
    opts = SetupOptions(instance=name, login=LoginOptions(), out="-", fmt=fmt, key_name=name)
    setup(cloud, opts, QuietUi(), environ={"IBMCLOUD_API_KEY": DEMO_KEY}, write_stdout=written.append)
    check_credentials("".join(written), fmt, name, tmp_path)
    assert [c[2]["service"] for c in cloud.calls if c[0] == "list_instances"] == ["aiopenscale"]


def test_setup_with_an_awkward_group_records_the_group_exactly(site: Site) -> None:
    done = site.sandbox().run(
        setup_args(ISSUE_NAME, "json", "--group", GROUP_OF_ISSUE), env=api_env(ISSUE_NAME)
    )
    assert done.returncode == 0, done.stderr
    assert read_document(done.stdout, "json")["resource_group"] == GROUP_OF_ISSUE
    assert done.argvs[0] == ["login", "-r", "us-south", "-g", GROUP_OF_ISSUE]


# --- --dry-run parsed back -----------------------------------------------------------------------


@pytest.mark.parametrize("nid", NAMES)
@pytest.mark.parametrize("shell", SHELLS)
def test_dry_run_commands_parse_back_to_the_argv_the_real_run_passes(
    nid: str,
    shell: str,
    dry_runs: dict[tuple[str, str], Run],
    real_setups: dict[str, Run],
    tmp_path: Path,
) -> None:
    dry, real = dry_runs[nid, shell], real_setups[nid]
    assert dry.returncode == 0, dry.stderr
    assert dry.calls == []
    assert real.returncode == 0, real.stderr
    parsed = parse_back(commands_of(dry.stdout, shell), shell, tmp_path)
    assert with_guid(parsed, guid_of(NAMES[nid])) == real.argvs


@pytest.mark.parametrize("shell", SHELLS)
def test_the_issues_example_round_trips_through_the_installed_command(
    shell: str, site: Site, real_setups: dict[str, Run], tmp_path: Path
) -> None:
    """The Windows issue's "done when": `openscale-creds --dry-run --shell S setup --instance NAME`."""
    args = ["--dry-run", "--shell", shell, *setup_args(ISSUE_NAME, "yaml")]
    dry = site.sandbox().run(args, env=api_env(ISSUE_NAME))
    assert dry.returncode == 0, dry.stderr
    parsed = parse_back(commands_of(dry.stdout, shell), shell, tmp_path)
    assert LOOKUP_ALL_OPENSCALE in parsed
    assert with_guid(parsed, guid_of(ISSUE_NAME)) == real_setups["issue"].argvs


def test_dry_run_without_region_prints_the_login_the_real_run_makes(site: Site, tmp_path: Path) -> None:
    args = ["setup", "--instance", ISSUE_NAME, "--key-name", "plain-key", "--out", "-"]
    real = site.sandbox().run(args, env=api_env(ISSUE_NAME))
    assert real.returncode == 0, real.stderr
    dry = site.sandbox().run_here(["--dry-run", "--shell", "posix", *args], env=api_env(ISSUE_NAME))
    parsed = parse_back(commands_of(dry.stdout, "posix"), "posix", tmp_path)
    assert with_guid(parsed, guid_of(ISSUE_NAME)) == real.argvs


def test_dry_run_with_a_group_prints_only_the_commands_the_real_run_makes(site: Site, tmp_path: Path) -> None:
    args = setup_args(ISSUE_NAME, "json", "--group", GROUP_OF_ISSUE)
    real = site.sandbox().run(args, env=api_env(ISSUE_NAME))
    assert real.returncode == 0, real.stderr
    dry = site.sandbox().run_here(["--dry-run", "--shell", "posix", *args], env=api_env(ISSUE_NAME))
    parsed = parse_back(commands_of(dry.stdout, "posix"), "posix", tmp_path)
    assert with_guid(parsed, guid_of(ISSUE_NAME)) == real.argvs


# --- target --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_targets(site: Site) -> dict[str, Run]:
    """`target GROUP` for each group, each in a session of its own (it changes the targeted group)."""

    def one(gid: str) -> Run:
        box = site.sandbox()
        login = box.run(["login"], env={"IBMCLOUD_API_KEY": DEMO_KEY})
        assert login.returncode == 0, login.stderr
        return box.run(["target", GROUPS[gid]])

    return dict(zip(GROUPS, run_parallel(one, list(GROUPS)), strict=True))


@pytest.mark.parametrize("gid", GROUPS)
def test_target_an_awkward_group_passes_it_whole_and_shows_it_exactly(
    gid: str, real_targets: dict[str, Run]
) -> None:
    done = real_targets[gid]
    assert done.returncode == 0, done.stderr
    assert f"resource group: {GROUPS[gid]}\n" in done.stdout
    assert done.argvs == [["target", "-g", GROUPS[gid]]]


@pytest.mark.parametrize("gid", GROUPS)
@pytest.mark.parametrize("shell", SHELLS)
def test_target_dry_run_parses_back_to_the_argv_of_the_real_target(
    gid: str, shell: str, site: Site, real_targets: dict[str, Run], tmp_path: Path
) -> None:
    dry = site.sandbox().run_here(["--dry-run", "--shell", shell, "target", GROUPS[gid]])
    assert dry.returncode == 0, dry.stderr
    assert parse_back(commands_of(dry.stdout, shell), shell, tmp_path) == real_targets[gid].argvs


# --- api-key create ------------------------------------------------------------------------------


def test_api_key_create_keeps_an_awkward_name_and_description_exactly(site: Site) -> None:
    box = site.sandbox()
    description = NAMES["300-characters"][:199]  # ends in a quote, not a space
    key_file = box.root / "key.json"
    login = box.run(["login"], env={"IBMCLOUD_API_KEY": DEMO_KEY})
    assert login.returncode == 0, login.stderr
    args = ["api-key", "create", ISSUE_NAME, "--description", description, "--file", str(key_file)]
    done = box.run(args)
    assert done.returncode == 0, done.stderr
    record = json.loads(key_file.read_text(encoding="utf-8"))
    assert (record["name"], record["description"]) == (ISSUE_NAME, description)
    assert done.argvs == [["iam", "api-key-create", ISSUE_NAME, "-d", description, "--output", "json"]]


# --- refusals ------------------------------------------------------------------------------------

LEADING_DASH: dict[str, list[str]] = {
    "instance": ["instance", "--", "-rg"],
    "instance-dry-run": ["--dry-run", "--shell", "posix", "instance", "--", "-rg"],
    "target": ["target", "--", "-g"],
    "setup-instance": ["setup", "--instance", "-rg", "--out", "-"],
    "setup-instance-dry-run": ["--dry-run", "setup", "--instance", "-rg", "--out", "-"],
    "setup-group": ["setup", "--instance", INSTANCE, "--group", "-rg", "--out", "-"],
    "setup-key-name": ["setup", "--instance", INSTANCE, "--key-name", "-k", "--out", "-"],
    "api-key-create": ["api-key", "create", "--", "-k"],
    "ids-instance": ["ids", "--instance", "-rg"],
    "login-group": ["login", "--group", "-rg"],
}

CONTROL: dict[str, tuple[list[str], str]] = {
    "instance-lf": (["instance", "line\nfeed"], "line feed"),
    "instance-cr": (["instance", "carriage\rreturn"], "carriage return"),
    "setup-cr": (["setup", "--instance", "a\rb", "--out", "-"], "carriage return"),
    "target-lf": (["target", "group\nname"], "line feed"),
    "api-key-lf": (["api-key", "create", "key\nname"], "line feed"),
    "dry-run-lf": (["--dry-run", "--shell", "cmd", "instance", "a\nb"], "line feed"),
}


@pytest.fixture(scope="module")
def refusals(site: Site) -> dict[str, Run]:
    cases = {**LEADING_DASH, **{case: args for case, (args, _what) in CONTROL.items()}}
    # With an API key in the environment, setup and login would log in first if nothing stopped them.
    runs = site.run_all([(args, {"IBMCLOUD_API_KEY": DEMO_KEY}, True) for args in cases.values()])
    return dict(zip(cases, runs, strict=True))


@pytest.mark.parametrize("case", LEADING_DASH)
def test_a_leading_dash_is_refused_naming_the_dash_before_ibmcloud_runs(
    case: str, refusals: dict[str, Run]
) -> None:
    done = refusals[case]
    assert done.returncode == 2, done.stderr
    assert "starts with '-'" in done.stderr
    assert done.argvs == [], "ibmcloud ran before the name was refused"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("case", CONTROL)
def test_cr_and_lf_in_names_are_refused_before_ibmcloud_runs(case: str, refusals: dict[str, Run]) -> None:
    done = refusals[case]
    assert done.returncode == 2, done.stderr
    assert CONTROL[case][1] in done.stderr
    assert done.argvs == []


@pytest.mark.parametrize(
    "args",
    [
        ["instance", "nul\0name"],
        ["target", "nul\0group"],
        ["setup", "--instance", "nul\0name", "--out", "-"],
        ["--dry-run", "--shell", "powershell", "setup", "--instance", "nul\0name", "--out", "-"],
    ],
    ids=["instance", "target", "setup", "setup-dry-run"],
)
def test_a_nul_in_a_name_is_refused_before_ibmcloud_runs(args: list[str], site: Site) -> None:
    # No process can receive a NUL in its argv, so this goes through the entry point in-process.
    done = site.sandbox(shared_session=True).run_here(args, env={"IBMCLOUD_API_KEY": DEMO_KEY})
    assert done.returncode == 2, done.stderr
    assert "NUL" in done.stderr
    assert done.argvs == []
