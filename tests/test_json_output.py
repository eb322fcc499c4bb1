"""End to end: every command that prints data speaks `--format json` (and yaml, the same document),
with the shape README "Output formats" documents, through the installed command and the fake ibmcloud.

With `--format json` stdout is exactly one JSON document (`json.loads` of all of it), errors stay one
line on stderr, and no document ever holds a key that was not asked for. The old spellings of the
option rule (`setup --instance`, `api-key create --file`) still work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _e2e import DEMO_ACCOUNT, DEMO_KEY, INSTANCE, INSTANCE_GUID, WORLD, World
from conftest import run_cli
from openscale_server import DATA_MART_ID, FAKE_APIKEY, FakeOpenScale, running_server

# The documented shapes (README "Output formats"): the keys, in order.
TARGET_KEYS = [
    "logged_in",
    "user",
    "account",
    "region",
    "resource_group",
    "resource_group_id",
    "api_endpoint",
]
DOCTOR_KEYS = ["ibmcloud", "version", *TARGET_KEYS]
INSTANCE_KEYS = [
    "name",
    "guid",
    "crn",
    "location",
    "service_name",
    "plan",
    "plan_id",
    "resource_group",
    "resource_group_id",
    "state",
    "type",
    "created_at",
    "updated_at",
    "url",
]
PROFILE_KEYS = [
    "name",
    "instance_guid",
    "instance_name",
    "instance_crn",
    "url",
    "region",
    "resource_group",
    "api_key_name",
    "api_key_id",
    "created_at",
    "secret",
    "secret_store",
    "secret_path",
]
VERIFY_KEYS = ["ok", "profile", "file", "instance_name", "instance_guid", "region"]
API_KEY_KEYS = [
    "id",
    "name",
    "description",
    "created_at",
    "created_by_openscale_creds",
    "held_by",
    "profiles",
    "files",
]
KEY_RECORD_KEYS = ["name", "id", "apikey", "created_at", "description"]
IDS_KEYS = ["data_mart_id", "service_url", "api_version", "bindings", "subscriptions"]

INSTANCE_RECORD = next(i for i in WORLD["instances"] if i["name"] == INSTANCE)
PLAN_NAME = WORLD["plans"][INSTANCE_RECORD["resource_plan_id"]]
GROUP_NAME = next(
    g["name"] for g in WORLD["resource_groups"] if g["id"] == INSTANCE_RECORD["resource_group_id"]
)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def document(args: list[str], env: dict[str, str], *, code: int = 0) -> Any:
    """Run a command with `--format json`: stdout must be one JSON document, whatever the exit code."""
    done = run_cli([*args, "--format", "json"], env=env)
    assert done.returncode == code, done.stderr
    return json.loads(done.stdout)


def logged_in(world: World) -> dict[str, str]:
    env = world.env()
    done = run_cli(["login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY})
    assert done.returncode == 0, done.stderr
    return env


def with_key(world: World) -> dict[str, str]:
    return {**world.env(), "IBMCLOUD_API_KEY": DEMO_KEY}


def set_up(world: World, profile: str = "default") -> None:
    done = run_cli(["setup", INSTANCE, "--group", "Default", "-p", profile], env=with_key(world))
    assert done.returncode == 0, done.stderr


# --- the session ------------------------------------------------------------------------------------


def test_login_json_is_the_target_and_whether_a_login_happened(world: World) -> None:
    env = world.env()

    fresh = document(["login"], {**env, "IBMCLOUD_API_KEY": DEMO_KEY})
    reused = document(["login"], env)

    assert list(fresh) == [*TARGET_KEYS, "new_login"]
    assert fresh["logged_in"] is True and fresh["new_login"] is True
    assert fresh["account"] == {"name": DEMO_ACCOUNT["name"], "guid": DEMO_ACCOUNT["guid"]}
    assert reused["new_login"] is False and reused["user"] == fresh["user"]


def test_target_json_names_the_group_it_targeted(world: World) -> None:
    doc = document(["target", "Default"], logged_in(world))

    assert list(doc) == TARGET_KEYS
    assert doc["resource_group"] == "Default"
    assert doc["account"]["guid"] == DEMO_ACCOUNT["guid"]


def test_target_yaml_is_the_same_document(world: World) -> None:
    env = logged_in(world)
    as_json = document(["target", "Default"], env)

    done = run_cli(["target", "Default", "--format", "yaml"], env=env)

    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout) == as_json


def test_doctor_json_has_the_cli_its_version_and_the_session(world: World) -> None:
    doc = document(["doctor"], logged_in(world))

    assert list(doc) == DOCTOR_KEYS
    assert doc["ibmcloud"].endswith("ibmcloud") and doc["version"]
    assert doc["logged_in"] is True and doc["user"]


def test_doctor_json_without_a_session_is_still_one_document_and_exits_4(world: World) -> None:
    done = run_cli(["doctor", "--format", "json"], env=world.env())

    assert done.returncode == 4
    doc = json.loads(done.stdout)
    assert list(doc) == DOCTOR_KEYS
    assert doc["logged_in"] is False and doc["version"] and doc["account"] is None
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "login" in errors[0]


# --- instance ---------------------------------------------------------------------------------------


def test_instance_json_has_every_documented_field_with_plan_and_group_named(world: World) -> None:
    doc = document(["instance", INSTANCE], logged_in(world))

    assert list(doc) == INSTANCE_KEYS
    assert doc["guid"] == INSTANCE_GUID
    assert (doc["plan"], doc["resource_group"]) == (PLAN_NAME, GROUP_NAME)
    assert (doc["plan_id"], doc["resource_group_id"]) == (
        INSTANCE_RECORD["resource_plan_id"],
        INSTANCE_RECORD["resource_group_id"],
    )
    assert all(doc[k] for k in INSTANCE_KEYS), doc


@pytest.mark.parametrize(("field", "expected"), [("plan", PLAN_NAME), ("resource_group", GROUP_NAME)])
def test_instance_field_plan_and_resource_group_print_the_names(
    world: World, field: str, expected: str
) -> None:
    env = logged_in(world)
    before = len(world.calls())

    done = run_cli(["instance", INSTANCE, "--field", field], env=env)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{expected}\n"
    # The lookup, then the text view (the only output naming them), by GUID: two calls.
    argvs = world.argvs()[before:]
    assert argvs[1:] == [["resource", "service-instance", INSTANCE_GUID]], argvs


def test_instance_field_guid_still_makes_one_call(world: World) -> None:
    env = logged_in(world)
    before = len(world.calls())

    done = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)

    assert done.stdout == f"{INSTANCE_GUID}\n"
    assert len(world.calls()) - before == 1


def test_instance_field_without_a_value_exits_5_rather_than_print_an_empty_line(world: World) -> None:
    done = run_cli(["instance", "cos-demo-bucket-store", "--field", "url"], env=logged_in(world))

    assert done.returncode == 5
    assert done.stdout == ""
    assert "has no url" in done.stderr and "only OpenScale instances" in done.stderr


def test_a_failing_json_command_prints_nothing_on_stdout_and_one_error_line(world: World) -> None:
    done = run_cli(["instance", "no-such-instance", "--format", "json"], env=logged_in(world))

    assert done.returncode == 5
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1


# --- setup, verify, rotate, list ------------------------------------------------------------------------


def test_setup_json_without_out_reports_the_profile_and_never_the_key(world: World) -> None:
    env = with_key(world)
    args = ["setup", INSTANCE, "--group", "Default", "-p", "dev"]

    first = document(args, env)
    again = document(args, env)

    assert list(first) == [*PROFILE_KEYS, "created_key"]
    assert first["name"] == "dev" and first["instance_guid"] == INSTANCE_GUID
    assert first["created_key"] is True and again["created_key"] is False
    assert again["api_key_id"] == first["api_key_id"]
    assert DEMO_KEY not in json.dumps(first)


def test_setup_format_json_with_out_is_the_credentials_format(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.txt"

    done = run_cli(["setup", INSTANCE, "--out", str(out), "--format", "json"], env=with_key(world))

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["instance_guid"] == INSTANCE_GUID


def test_verify_json_of_a_profile_and_of_a_file(world: World, tmp_path: Path) -> None:
    set_up(world)
    out = tmp_path / "creds.yaml"
    made = run_cli(["setup", INSTANCE, "-p", "filed", "--out", str(out)], env=with_key(world))
    assert made.returncode == 0, made.stderr

    by_profile = document(["verify"], world.env())
    by_file = document(["verify", str(out)], world.env())

    assert list(by_profile) == VERIFY_KEYS == list(by_file)
    assert (by_profile["profile"], by_profile["file"]) == ("default", None)
    assert (by_file["profile"], by_file["file"]) == (None, str(out))
    assert by_profile["ok"] is True and by_file["instance_guid"] == INSTANCE_GUID
    assert by_profile["instance_name"] == INSTANCE


def test_rotate_json_of_a_profile_names_the_new_key_and_the_deleted_one(world: World) -> None:
    set_up(world, "prod")
    before = document(["list"], world.env())[0]

    doc = document(["rotate", "-p", "prod"], world.env())

    assert list(doc) == [*PROFILE_KEYS, "old_api_key_id", "old_key_deleted"]
    assert doc["old_api_key_id"] == before["api_key_id"] != doc["api_key_id"]
    assert doc["old_key_deleted"] is True
    assert ["iam", "api-key-delete", before["api_key_id"], "-f"] in world.argvs()


def test_list_json_and_yaml_are_one_document_of_profiles(world: World) -> None:
    set_up(world, "a")
    set_up(world, "b")

    rows = document(["list"], world.env())
    as_yaml = run_cli(["list", "--format", "yaml"], env=world.env())

    assert [row["name"] for row in rows] == ["a", "b"]
    assert all(list(row) == [*PROFILE_KEYS, "current"] for row in rows)
    assert yaml.safe_load(as_yaml.stdout) == rows


# --- api keys ---------------------------------------------------------------------------------------------


def test_api_key_list_json_lists_the_keys_and_who_holds_them(world: World) -> None:
    set_up(world, "held")
    env = logged_in(world)

    keys = document(["api-key", "list"], env)

    assert keys and all(list(k) == API_KEY_KEYS for k in keys)
    held = [k for k in keys if k["profiles"] == ["held"]]
    assert len(held) == 1 and held[0]["created_by_openscale_creds"] is True


def test_api_key_create_json_is_the_record_and_out_keeps_the_key_in_the_file(
    world: World, tmp_path: Path
) -> None:
    env = logged_in(world)
    out = tmp_path / "key.json"

    printed = document(["api-key", "create", "k-stdout"], env)
    saved = document(["api-key", "create", "k-file", "--out", str(out)], env)

    assert list(printed) == KEY_RECORD_KEYS and printed["apikey"]
    assert list(saved) == [k for k in KEY_RECORD_KEYS if k != "apikey"] + ["file"]
    assert saved["file"] == str(out)
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == saved["id"]


# --- ids --------------------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeOpenScale]:
    with running_server() as s:
        yield s


def test_ids_json_has_the_documented_keys(tmp_path: Path, server: FakeOpenScale) -> None:
    path = tmp_path / "creds.json"
    creds = {"apikey": FAKE_APIKEY, "instance_guid": DATA_MART_ID, "url": server.url, "region": "us-south"}
    path.write_text(json.dumps(creds), encoding="utf-8")

    doc = document(["ids", str(path)], {"OPENSCALE_CREDS_IAM_URL": server.iam_url})

    assert list(doc) == IDS_KEYS
    assert doc["data_mart_id"] == DATA_MART_ID
    assert list(doc["subscriptions"][0]) == ["id", "name", "binding_id", "deployment_id", "deployment_name"]


# --- the old spellings ----------------------------------------------------------------------------------


def test_the_old_spellings_still_work(world: World, tmp_path: Path) -> None:
    out = tmp_path / "old.json"

    made = run_cli(["setup", "--instance", INSTANCE, "--group", "Default", "-p", "old"], env=with_key(world))
    key = run_cli(["api-key", "create", "k-old", "--file", str(out)], env=logged_in(world))

    assert made.returncode == 0, made.stderr
    assert document(["list"], world.env())[0]["instance_guid"] == INSTANCE_GUID
    assert key.returncode == 0, key.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["apikey"]
