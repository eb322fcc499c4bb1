"""Cheap, deterministic guards for what `make bench` measures: nothing here times anything.

Start-up is what a shell loop of `openscale-creds instance NAME --field guid` pays on every call, so the
CLI module must not import what only one command needs; the Typer range must stay below the release that
imports pydantic; the SSO drivers must not sleep; and the parsers must read big generated listings whole.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import FAKE_IBMCLOUD, INSTALLED, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(ROOT / "bench"))
import listings  # bench/ is not a package

DEMO = json.loads((ROOT / "tests" / "fake_ibmcloud" / "demo-world.json").read_text(encoding="utf-8"))
INSTANCE = "AI OpenScale-my_instance"
INSTANCE_GUID = next(i["guid"] for i in DEMO["instances"] if i["name"] == INSTANCE)

# Heavy, or needed by a single command: none of these may be paid for by every start.
HEAVY = ("pexpect", "ptyprocess", "yaml", "rich", "pydantic", "http", "ssl", "urllib.request", "email")
COMMAND_ONLY = (
    "openscale_creds.dialogue",
    "openscale_creds.openscale_api",
    "openscale_creds.credentials",
    "openscale_creds.workflow",
    "openscale_creds.parsers",
)
MARKER = "--- modules ---"


def modules_after(code: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run `code` in a fresh interpreter; what it printed, and every module loaded by its end."""
    probe = f"{code}\nimport sys\nprint({MARKER!r})\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed, _, listed = done.stdout.partition(MARKER + "\n")
    return printed, set(listed.split())


def cli_registry() -> dict[str, tuple[str, str]]:
    from openscale_creds.cli import COMMANDS

    return COMMANDS


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for name in names if m == name or m.startswith(name + "."))


def run_main(args: list[str]) -> str:
    return (
        "from openscale_creds.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )


def test_importing_the_cli_module_imports_no_heavy_or_single_command_module() -> None:
    _, modules = modules_after("import openscale_creds.cli")
    assert loaded(modules, HEAVY + COMMAND_ONLY) == []


def test_version_prints_without_importing_the_parsers_or_the_workflows() -> None:
    printed, modules = modules_after(run_main(["--version"]))
    assert printed.startswith("openscale-creds ")
    assert loaded(modules, HEAVY + COMMAND_ONLY) == []


def _lookup_modules(tmp_path: Path) -> tuple[str, set[str]]:
    """What `instance NAME --field guid` printed, logged in to the fake, and the modules it loaded."""
    env = {"IBMCLOUD_HOME": str(tmp_path / "session"), "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD)}
    login = [sys.executable, str(FAKE_IBMCLOUD), "login", "--no-region", "-g", "Default", "-q"]
    # The demo world's fake key, in the environment as the wrapper itself passes keys.
    key_env = {**os.environ, **env, "IBMCLOUD_API_KEY": DEMO["apikeys"][0]["apikey"]}
    subprocess.run(login, env=key_env, check=True, capture_output=True, timeout=60)
    return modules_after(run_main(["instance", INSTANCE, "--field", "guid"]), env)


def test_a_lookup_by_name_imports_neither_pexpect_nor_yaml_nor_an_http_client(tmp_path: Path) -> None:
    printed, modules = _lookup_modules(tmp_path)

    assert printed.strip() == INSTANCE_GUID
    assert loaded(modules, (*HEAVY, "openscale_creds.dialogue", "openscale_creds.openscale_api")) == []
    # Nor the keychain, the profile store, another command's module, or what only --dry-run needs.
    others = tuple(f"openscale_creds.commands.{m}" for m in COMMAND_MODULES if m != "instance")
    not_needed = (
        "keyring",
        "openscale_creds.keychain",
        "openscale_creds.store",
        "openscale_creds.workflow.plans",
    )
    assert loaded(modules, (*others, *not_needed)) == []


def test_a_lookup_by_name_imports_the_instance_parser_alone_and_builds_no_dataclass(tmp_path: Path) -> None:
    printed, modules = _lookup_modules(tmp_path)

    assert printed.strip() == INSTANCE_GUID
    # The stages it reads JSON with, and no other parser: not the list table, the target, the key.
    assert loaded(modules, ("openscale_creds.parsers",)) == [
        "openscale_creds.parsers",
        "openscale_creds.parsers.common",
        "openscale_creds.parsers.instance",
        "openscale_creds.parsers.validate",
    ]
    # Building dataclasses costs milliseconds at every start; the models are plain classes.
    assert "dataclasses" not in modules


# --- the lazy command registry ------------------------------------------------------------------------

COMMAND_MODULES = sorted({where.split(":")[0] for where, _line in cli_registry().values()})


def test_every_registered_command_exists_and_its_help_line_is_its_docstring_s_first_line() -> None:
    import importlib
    import inspect

    for name, (where, line) in cli_registry().items():
        module, function = where.split(":")
        command = getattr(importlib.import_module(f"openscale_creds.commands.{module}"), function)
        doc = inspect.getdoc(command)
        assert doc, name
        assert line == doc.splitlines()[0], name


def test_every_group_of_a_registered_command_has_its_help_line() -> None:
    from openscale_creds.cli import GROUPS

    groups = {" ".join(name.split()[:i]) for name in cli_registry() for i in range(1, len(name.split()))}
    assert groups == set(GROUPS)


def test_the_root_help_lists_every_command_without_importing_any_command_module() -> None:
    from openscale_creds.cli import GROUPS

    printed, modules = modules_after(run_main(["--help"]))

    assert loaded(modules, ("openscale_creds.commands", *HEAVY, *COMMAND_ONLY)) == []
    text = " ".join(printed.split())
    for name, (_where, line) in cli_registry().items():
        if " " not in name:
            assert f"{name} {line}" in text
    for group, line in GROUPS.items():
        assert f"{group} {line}" in text


def test_a_command_imports_its_own_module_only() -> None:
    _, modules = modules_after(run_main(["parse", "--help"]))

    assert loaded(modules, ("openscale_creds.commands",)) == [
        "openscale_creds.commands",
        "openscale_creds.commands.parse",
    ]


def test_asking_for_completions_imports_no_command_module_but_the_one_completed() -> None:
    env = {
        "_OPENSCALE_CREDS_COMPLETE": "complete_bash",
        "COMP_WORDS": "openscale-creds ins",
        "COMP_CWORD": "1",
    }
    printed, modules = modules_after(run_main([]), env)

    assert printed.split() == ["instance"]
    assert loaded(modules, ("openscale_creds.commands", "keyring", *HEAVY)) == []


def test_completing_profile_names_reads_the_profiles_file_without_the_keychain() -> None:
    printed, modules = modules_after(
        "from openscale_creds.cli import complete_profile\nprint(complete_profile(''))"
    )

    assert printed.strip() == "[]"
    assert loaded(modules, ("keyring", "openscale_creds.keychain", "yaml")) == []


# --- how many ibmcloud calls setup makes ---------------------------------------------------------------


def _setup_calls(tmp_path: Path, *, session: bool) -> list[list[str]]:
    log = tmp_path / "calls.jsonl"
    env = {
        **os.environ,
        "IBMCLOUD_HOME": str(tmp_path / "session"),
        "FAKE_IBMCLOUD_STATE_DIR": str(tmp_path / "state"),
        "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD),
    }
    key_env = {**env, "IBMCLOUD_API_KEY": DEMO["apikeys"][0]["apikey"]}
    if session:
        login = [sys.executable, str(FAKE_IBMCLOUD), "login", "--no-region", "-g", "Default", "-q"]
        subprocess.run(login, env=key_env, check=True, capture_output=True, timeout=60)
    setup = [str(INSTALLED), "setup", "--instance", INSTANCE, "--group", "Default", "--out", "-"]
    done = subprocess.run(
        setup,
        env={**(env if session else key_env), "FAKE_IBMCLOUD_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["argv"] for line in log.read_text(encoding="utf-8").splitlines() if line]


def test_setup_with_an_api_key_makes_no_more_calls_than_the_manual_recipe_minus_one(tmp_path: Path) -> None:
    calls = _setup_calls(tmp_path, session=False)

    # By hand: login, target -g, resource service-instance, iam api-key-create; login carries -g here.
    assert len(calls) <= 3, calls
    assert calls[0][0] == "login" and "-g" in calls[0]
    assert calls[-1][:2] == ["iam", "api-key-create"]


def test_setup_with_a_session_makes_no_more_calls_than_the_manual_recipe(tmp_path: Path) -> None:
    calls = _setup_calls(tmp_path, session=True)

    # By hand: target -g, resource service-instance, iam api-key-create.
    assert len(calls) <= 3, calls
    assert calls[-1][:2] == ["iam", "api-key-create"]
    assert not any(c[0] == "login" for c in calls)


def test_the_dependency_range_keeps_typer_below_the_release_that_imports_pydantic() -> None:
    tomllib = pytest.importorskip("tomllib")
    requirements = pytest.importorskip("packaging.requirements")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    typer = [r for r in map(requirements.Requirement, project["dependencies"]) if r.name == "typer"]

    assert len(typer) == 1
    assert not typer[0].specifier.contains("0.25.0") and not typer[0].specifier.contains("0.29.0")
    assert typer[0].specifier.contains("0.24.2")
    assert typer[0].specifier.contains(version("typer"))  # the venv the tests run in agrees


@pytest.mark.parametrize("kind", ["pty", "pipe"])
def test_the_sso_drivers_send_and_read_without_pexpect_s_fixed_pauses(kind: str) -> None:
    from openscale_creds import dialogue

    driver = dialogue.make_driver(kind, [sys.executable, "-c", "input()"], dict(os.environ))  # type: ignore[arg-type]
    try:
        child = driver._child  # type: ignore[attr-defined]
        if kind == "pty":
            # pexpect's defaults: 50 ms before every send, 100 ms in close(), a pause after every read.
            assert not child.delaybeforesend
            assert not child.delayafterread
            assert child.ptyproc.delayafterclose == 0
        else:
            # PopenSpawn never sleeps before a send; a read that waits on the reader queue needs no pause
            # after it, and a polling one (pexpect internals not as expected) keeps a short one.
            assert child.delayafterread is None if child.waits else child.delayafterread <= 0.01
    finally:
        driver.kill_tree()


def test_a_generated_listing_is_byte_for_byte_what_the_fake_prints(tmp_path: Path) -> None:
    world = listings.world(25)

    assert {fmt: text.encode("utf-8") for fmt, text in listings.render(world).items()} == listings.via_fake(
        world, tmp_path
    )


def test_a_10_000_row_list_table_parses_to_every_instance_whole(tmp_path: Path) -> None:
    from openscale_creds.parsers import parse

    n = 10_000
    text = listings.write(n, tmp_path)["text"].read_text(encoding="utf-8")

    result = parse("instances", text)

    # Names carry single spaces, brackets and wide characters: a cut in the wrong column would show.
    assert [i["name"] for i in result] == [listings.name(i) for i in range(n)]
    assert result[-1]["state"] and result[-1]["location"] and result[-1]["resource_group_id"]


def test_a_1_000_instance_json_listing_parses_to_every_instance(tmp_path: Path) -> None:
    # 1,000 rather than 10,000: the JSON listing holds full 2.4 kB objects (24 MB for 10,000).
    from openscale_creds.parsers import parse

    n = 1_000
    text = listings.write(n, tmp_path)["json"].read_text(encoding="utf-8")

    result = parse("instances", text)

    assert [i["name"] for i in result] == [listings.name(i) for i in range(n)]
    assert len({i["guid"] for i in result}) == n


# --- the fast paths of `parse instances` give what the plain ones gave -------------------------------------
# The parsers read a long listing in one pass and take shortcuts where the result cannot differ; these
# pin each shortcut to what it stands for, without timing anything.

CRN = "crn:v1:bluemix:public:aiopenscale:us-south:a/0123:4b5c6d00-0000-4000-8000-0000000000ab::"
TABLE = (
    "Retrieving instances with type service_instance in all resource groups in all locations...\nOK\n"
    "Name                  Location   State    Type               Resource Group ID\n"
    "AI OpenScale-1        us-south   active   service_instance   0123456789abcdef\n"
    "café ☁ 日本 2        eu-de      active   service_instance   -\n"
)
BLOCKS = (
    "Name:                  openscale-1\n"
    f"ID:                    {CRN}\n"
    "Location:              us-south\n"
    "State:                 active\n"
)


def _json_listing() -> str:
    return listings.render(listings.world(5))["json"]


@pytest.mark.parametrize("shape", ["table", "blocks", "json"])
def test_a_parsed_instance_equals_the_one_its_constructor_makes_field_for_field(shape: str) -> None:
    from openscale_creds.models import INSTANCE_FIELDS, ServiceInstance
    from openscale_creds.parsers import parse_instances

    text = {"table": TABLE, "blocks": BLOCKS, "json": _json_listing()}[shape]

    parsed = parse_instances(text)

    # The parser fills the frozen model's __dict__ rather than run its generated __init__: that skips
    # nothing only while the model has no __post_init__ and no slots.
    assert not hasattr(ServiceInstance, "__post_init__") and not hasattr(ServiceInstance, "__slots__")
    assert parsed
    for instance in parsed:
        built = ServiceInstance(**vars(instance))
        assert instance == built and hash(instance) == hash(built)
        assert tuple(vars(instance)) == INSTANCE_FIELDS == tuple(vars(built))


def test_as_dict_gives_every_field_of_every_model_in_field_order_nested_models_as_dicts() -> None:
    from openscale_creds.models import Account, AccountChoice, ApiKey, ServiceInstance, Target, as_dict

    account = Account("Example", "0123456789abcdef", "1234")
    shown_account = {"name": "Example", "guid": "0123456789abcdef", "ims": "1234"}
    no_instance_fields = dict.fromkeys(
        ("crn", "location", "service_name", "plan", "plan_id", "resource_group", "resource_group_id"),
    )
    cases = [
        (account, shown_account),
        (AccountChoice(2, account), {"number": 2, "account": shown_account}),
        (
            Target(True, "https://cloud.ibm.com", "us-south", "u@example.com", account, "Default", "g-1"),
            {
                "logged_in": True,
                "api_endpoint": "https://cloud.ibm.com",
                "region": "us-south",
                "user": "u@example.com",
                "account": shown_account,
                "resource_group": "Default",
                "resource_group_id": "g-1",
            },
        ),
        (
            Target(False),
            {"logged_in": False, **dict.fromkeys(Target.__match_args__[1:])},
        ),
        (
            ApiKey("key", "ApiKey-1", "FAKE-not-a-key", locked=False),
            {
                "name": "key",
                "id": "ApiKey-1",
                "apikey": "FAKE-not-a-key",
                "description": None,
                "created_at": None,
                "locked": False,
            },
        ),
        (
            ServiceInstance("os", "g", url="https://api.aiopenscale.cloud.ibm.com"),
            {
                "name": "os",
                "guid": "g",
                **no_instance_fields,
                **dict.fromkeys(("state", "type", "created_at", "updated_at")),
                "url": "https://api.aiopenscale.cloud.ibm.com",
            },
        ),
    ]

    for model, expected in cases:
        assert list(as_dict(model).items()) == list(expected.items())
        assert tuple(expected) == type(model).__match_args__ == tuple(vars(model))


def test_the_models_behave_as_frozen_dataclasses_and_a_key_never_shows_in_a_repr() -> None:
    from openscale_creds.models import Account, AccountChoice, ApiKey, ServiceInstance, Target

    account = Account("Example", "0123456789abcdef")
    target = Target(False, region="us-south", account=account)

    assert target == Target(False, None, "us-south", None, Account("Example", "0123456789abcdef"))
    assert hash(target) == hash(Target(False, region="us-south", account=account))
    assert target != Target(True, region="us-south", account=account)
    assert Account("a", "b") != ("a", "b", None)
    assert repr(account) == "Account(name='Example', guid='0123456789abcdef', ims=None)"
    assert repr(AccountChoice(1, account)) == f"AccountChoice(number=1, account={account!r})"
    assert target.replace(logged_in=True) == Target(True, region="us-south", account=account)
    assert not target.logged_in  # replace made a copy
    match ServiceInstance("os", "g", location="eu-de"):
        case ServiceInstance(name, guid, _crn, location):
            assert (name, guid, location) == ("os", "g", "eu-de")
    for model, field in ((target, "region"), (ServiceInstance("os", "g"), "guid"), (account, "name")):
        with pytest.raises(AttributeError):
            setattr(model, field, "x")
        with pytest.raises(AttributeError):
            delattr(model, field)
    key = ApiKey("key", "ApiKey-1", "FAKE-not-a-key-0123456789")
    assert "FAKE" not in repr(key) and "FAKE" not in repr([key]) and "FAKE" not in str(key)


def _item_by_item(items: list[object]) -> list[object]:
    """What `instances_from_json` gives without its plain-form shortcut."""
    from openscale_creds.parsers import instance

    saved = instance._plain_json_instances
    instance._plain_json_instances = lambda _items: None  # type: ignore[assignment]
    try:
        return list(instance.instances_from_json(items))
    finally:
        instance._plain_json_instances = saved


def _varied_items() -> list[dict[str, object]]:
    items: list[dict[str, object]] = json.loads(_json_listing())
    items[0]["service_name"] = "cloudantnosqldb"  # given rather than read from the CRN
    items[1]["plan_name"] = ""
    items[1]["resource_plan_name"] = "lite"
    items[2]["region_id"] = ""
    items[2]["resource_group_name"] = "Default"
    items[3]["state"] = None
    items[3]["id"] = 7  # read only where the CRN is missing
    items[4]["crn"] = items[4]["crn"].replace("aiopenscale", "pm-20")  # type: ignore[union-attr]
    return items


def test_the_json_shortcut_gives_what_reading_item_by_item_gives_and_takes_a_generated_listing() -> None:
    from openscale_creds.parsers import instance

    items = _varied_items()
    fast = instance._plain_json_instances(items)

    assert fast is not None  # the shortcut takes the plain form
    slow = _item_by_item(items)
    assert fast == slow
    assert [list(vars(i).items()) for i in fast] == [list(vars(i).items()) for i in slow]
    assert instance._plain_json_instances(json.loads(listings.render(listings.world(50))["json"])) is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda item: item.update(name=""),
        lambda item: item.pop("guid"),
        lambda item: item.update(crn=None),
        lambda item: item.update(guid="SECRET"),  # a doc sample's placeholder: the careful way reads it
        lambda item: item.update(crn="crn:v1:bluemix:public:aiopenscale:us-south:a/0:<redacted>::"),
        lambda item: item.update(resource_group_id="Default"),
        lambda item: item.update(state=["active"]),
        lambda item: item.update(resource_plan_name=3),
    ],
)
def test_the_json_shortcut_leaves_anything_but_the_plain_form_to_the_item_by_item_way(
    change: Callable[[dict[str, object]], object],
) -> None:
    from openscale_creds.errors import ParseError
    from openscale_creds.parsers import instance

    items = _varied_items()
    change(items[3])

    assert instance._plain_json_instances(items) is None
    assert instance._plain_json_instances([*items[:2], "not an object"]) is None
    try:
        expected: object = _item_by_item(items)
    except ParseError as exc:
        expected = str(exc)
    try:
        got: object = instance.instances_from_json(items)
    except ParseError as exc:
        got = str(exc)
    assert got == expected


def test_a_long_listing_is_normalised_once_and_a_json_listing_only_at_its_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openscale_creds.parsers import common, parse

    seen: list[int] = []
    real = common.normalised_lines

    def counting(text: str) -> list[str]:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(common, "normalised_lines", counting)
    paths = listings.write(2_000, tmp_path)

    table = paths["text"].read_text(encoding="utf-8")
    assert len(parse("instances", table)) == 2_000
    # Once whole, and its first 4 kB to see whether it is JSON.
    assert sum(seen) <= len(table) + 4096

    seen.clear()
    assert len(parse("instances", paths["json"].read_text(encoding="utf-8"))) == 2_000
    assert sum(seen) <= 4096


def test_parsing_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    from openscale_creds.errors import ParseError
    from openscale_creds.parsers import parse

    assert gc.isenabled()
    parse("instances", TABLE)
    with pytest.raises(ParseError):
        parse("instances", "FAILED\nSomething went wrong\n")
    assert gc.isenabled()

    gc.disable()
    try:
        parse("instances", TABLE)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _cut_spec(starts: list[int], row: str, slack: int) -> list[str]:
    """What an ASCII row's cells are: where the `max(slack, 2)` places before each column start are blank,
    the text between the starts as printed (runs of spaces inside a cell kept); else each run of words
    (joined by single spaces) goes to the last column starting at most `slack` after it, and runs in one
    column are joined by two spaces. (Rows with wide characters: test_parsers_properties.)"""
    reach = max(slack, 2)
    padded = row.ljust(starts[-1])
    if (
        len(starts) > 1
        and starts == sorted(starts)
        and starts[1] >= reach
        and all(padded[start - reach : start] == " " * reach for start in starts[1:])
    ):
        bounds = [0, *starts[1:]]
        return [padded[a:b].strip(" ") for a, b in zip(bounds, [*starts[1:], None], strict=True)]
    cells = [""] * len(starts)
    for match in re.finditer(r"[^ ]+(?: [^ ]+)*", row):
        index = max([i for i, start in enumerate(starts) if start <= match.start() + slack], default=0)
        cells[index] = f"{cells[index]}  {match.group()}" if cells[index] else match.group()
    return cells


@st.composite
def _tables(draw: st.DrawFn) -> tuple[str, list[str], int]:
    """A header and rows padded to its columns, some off by a few places, with wide gaps, tabs and runs
    of words inside a cell."""
    words = st.sampled_from(["a", "bc", "-", "\t", "x  y", "x   y", ""])
    width = st.integers(1, 12)
    names = draw(
        st.lists(st.sampled_from(["Name", "Location", "State", "Type", "Tags", "ID"]), min_size=1, max_size=6)
    )
    widths = [max(len(name), draw(width)) + draw(st.integers(2, 4)) for name in names]
    header = "".join(name.ljust(w) for name, w in zip(names, widths, strict=True)).rstrip()
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = ""
        for w in widths:
            cell = " ".join(draw(st.lists(words, max_size=3)))
            row += cell.ljust(max(w + draw(st.integers(-3, 3)), 0))
        rows.append(row.rstrip() if draw(st.booleans()) else row)
    return header, rows, draw(st.integers(0, 4))


@settings(derandomize=True, database=None, deadline=None, max_examples=400)
@given(table=_tables())
def test_cutting_a_row_at_the_column_starts_gives_each_run_of_words_to_its_column(
    table: tuple[str, list[str], int],
) -> None:
    from openscale_creds.parsers.common import cut_row, header_columns, row_cutter

    header, rows, slack = table
    columns = header_columns(header)
    cut = row_cutter(columns, slack=slack)
    for row in rows:
        expected = _cut_spec([c.start for c in columns], row, slack)
        assert cut(row) == expected
        assert cut_row(columns, row, slack=slack) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a [2] b\r[1]\r", [1]),  # a lone CR ends a line, so `[1]` starts one
        ("a [2] b\n\x1b[0m[1]\n", [1]),
        ("a [2] b\n\ufeff[1]\n", [1]),
        ('OK\n{"a": "x"}   \n', {"a": "x"}),
        ("OK\n[1,   \n 2]\n", [1, 2]),
    ],
)
def test_a_json_value_is_read_where_the_normalised_output_starts_it(text: str, value: object) -> None:
    from openscale_creds.parsers import extract_json

    assert extract_json(text) == value


@pytest.mark.parametrize(
    ("item", "key"),
    [
        (
            {
                "crn": CRN,
                "id": 5,
                "name": 3,
            },
            "name",
        ),
        ({"crn": "", "id": 5, "name": 3}, "id"),
        ({"name": "os", "guid": "g", "plan_name": "", "resource_plan_name": ["lite"]}, "resource_plan_name"),
        ({"name": "os", "guid": "g", "state": "active", "updated_at": 0}, "updated_at"),
    ],
)
def test_a_json_value_that_is_not_a_string_is_refused_naming_the_first_key_read(
    item: dict[str, object], key: str
) -> None:
    from openscale_creds.errors import ParseError
    from openscale_creds.parsers import parse_instances

    with pytest.raises(ParseError, match=f"`{key}` of item 0 of the JSON array is not a string"):
        parse_instances(json.dumps([item]))


def test_a_json_value_that_is_not_a_string_is_ignored_where_the_key_before_it_already_gave_one() -> None:
    from openscale_creds.parsers import parse_instances

    crn = CRN
    (found,) = parse_instances(
        json.dumps([{"name": "os", "crn": crn, "id": 5, "plan_name": "lite", "resource_plan_name": 7}])
    )

    assert (found.crn, found.guid, found.plan) == (crn, "4b5c6d00-0000-4000-8000-0000000000ab", "lite")


# --- stored credentials: what `env`/`exec -p NAME` and "is there a keychain?" import ----------------


def test_env_of_a_file_store_profile_imports_neither_keyring_nor_the_facade_nor_shellingham_s_ps(
    tmp_path: Path,
) -> None:
    from openscale_creds.store import Profile, ProfileStore

    key = DEMO["apikeys"][0]["apikey"]
    store = ProfileStore(tmp_path / "config" / "openscale-creds", store="file", warn=lambda _m: None)
    store.save(Profile(name="p", instance_guid=INSTANCE_GUID), key)

    printed, modules = modules_after(
        run_main(["env", "-p", "p"]), {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    )

    assert f"AI_OPENSCALE_APIKEY={key}" in printed
    not_needed = (
        "keyring",
        "openscale_creds.keychain",
        "openscale_creds.ibmcloud",
        "openscale_creds.models",
        "openscale_creds.parsers",
        "shellingham.posix",  # its ps fallback imports subprocess; /proc is read directly on Linux
        "secrets",
    )
    expected_absent = not_needed if sys.platform.startswith("linux") else not_needed[:-2]
    assert loaded(modules, expected_absent) == []


def _keychain_probe(tmp_path: Path, **extra: str) -> tuple[str, set[str]]:
    env = {
        "DBUS_SESSION_BUS_ADDRESS": "",
        "PYTHON_KEYRING_BACKEND": "",
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **extra,
    }
    return modules_after("from openscale_creds import keychain\nprint(keychain.find())", env)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the short-cut is Linux-only")
def test_with_no_session_bus_no_keychain_is_decided_without_importing_keyring(tmp_path: Path) -> None:
    printed, modules = _keychain_probe(tmp_path)

    assert printed.strip() == "None"
    assert loaded(modules, ("keyring", "importlib.metadata")) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the short-cut is Linux-only")
def test_the_user_s_keyring_configuration_still_goes_to_keyring_itself(tmp_path: Path) -> None:
    # PYTHON_KEYRING_BACKEND, a keyringrc.cfg or a session bus: keyring decides, as before.
    printed, modules = _keychain_probe(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert printed.strip() == "None"
    assert "keyring" in modules

    rc = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring=keyring.backends.fail.Keyring\n", encoding="utf-8")
    assert "keyring" in _keychain_probe(tmp_path)[1]
    rc.unlink()

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "bus").write_text("", encoding="utf-8")  # stands for the bus socket
    assert "keyring" in _keychain_probe(tmp_path)[1]
