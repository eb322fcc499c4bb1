"""End to end: the installed `openscale-creds` against the fake ibmcloud, through real processes."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _e2e import (
    DEMO_ACCOUNT,
    DEMO_KEY,
    DUPLICATE,
    INSTANCE,
    INSTANCE_GUID,
    UNICODE_INSTANCE,
    World,
)
from conftest import run_cli


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def logged_in(world: World) -> dict[str, str]:
    """Log the fake in with the demo API key and return the env for further calls."""
    env = world.env()
    done = run_cli(["login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY})
    assert done.returncode == 0, done.stderr
    return env


def test_version_prints_the_version() -> None:
    done = run_cli(["--version"])
    assert done.returncode == 0
    assert done.stdout.startswith("openscale-creds ")


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "openscale_creds", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("openscale-creds ")


def test_instance_field_guid_prints_only_the_guid(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{INSTANCE_GUID}\n"


def test_instance_field_guid_costs_exactly_one_ibmcloud_call(world: World) -> None:
    env = logged_in(world)
    before = len(world.calls())
    run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    assert len(world.calls()) - before == 1


def test_instance_json_has_the_normalised_fields_and_the_regional_url(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", INSTANCE, "--format", "json"], env=env)
    data = json.loads(done.stdout)
    assert data["guid"] == INSTANCE_GUID
    assert data["location"] == "us-south"
    assert data["url"] == "https://api.aiopenscale.cloud.ibm.com"
    assert data["service_name"] == "aiopenscale"
    assert set(data) >= {"name", "crn", "plan_id", "resource_group_id", "state", "created_at"}


def test_duplicate_names_exit_6_and_list_the_candidates(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", DUPLICATE, "--field", "guid"], env=env)
    assert done.returncode == 6
    assert done.stdout == ""
    assert "us-south" in done.stderr and "eu-de" in done.stderr
    assert done.stderr.count("guid=") == 2


def test_location_narrows_duplicates_to_one(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", DUPLICATE, "--location", "eu-de", "--field", "location"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "eu-de\n"


def test_unknown_instance_exits_5_with_a_one_line_cause(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", "no-such-instance"], env=env)
    assert done.returncode == 5
    assert "no-such-instance" in done.stderr
    assert "Traceback" not in done.stderr


def test_non_ascii_instance_name_survives_a_legacy_code_page(world: World) -> None:
    env = logged_in(world)
    done = run_cli(
        ["instance", UNICODE_INSTANCE, "--field", "name"], env={**env, "PYTHONIOENCODING": "cp1252"}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{UNICODE_INSTANCE}\n"


def test_a_name_starting_with_a_dash_is_refused_before_ibmcloud_runs(world: World) -> None:
    env = logged_in(world)
    before = len(world.calls())
    done = run_cli(["instance", "--", "-rg"], env=env)
    assert done.returncode == 2
    assert "starts with '-'" in done.stderr
    assert len(world.calls()) == before


def test_api_key_login_passes_the_key_only_through_the_environment(world: World) -> None:
    env = world.env()
    done = run_cli(["--verbose", "login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY})
    assert done.returncode == 0, done.stderr
    calls = world.calls()
    login_calls = [c for c in calls if c["argv"][:1] == ["login"]]
    assert login_calls and all(c["has_api_key_env"] for c in login_calls)
    for call in calls:
        assert DEMO_KEY not in json.dumps(call)
    assert DEMO_KEY not in done.stdout + done.stderr


def test_apikey_file_logs_in_through_the_environment_at_form(world: World, tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps({"apikey": DEMO_KEY}), encoding="utf-8")
    done = run_cli(["login", "--apikey-file", str(key_file)], env=world.env())
    assert done.returncode == 0, done.stderr
    assert all(DEMO_KEY not in " ".join(argv) for argv in world.argvs())
    status = run_cli(["doctor"], env=world.env())
    assert status.returncode == 0
    assert DEMO_ACCOUNT["name"] in status.stdout


def test_login_without_credentials_and_without_a_session_exits_4(world: World) -> None:
    done = run_cli(["login"], env=world.env())
    assert done.returncode == 4
    assert "--sso" in done.stderr and "IBMCLOUD_API_KEY" in done.stderr


def test_login_without_credentials_reuses_a_usable_session(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["login"], env=env)
    assert done.returncode == 0
    assert "Already logged in" in done.stderr


def test_a_rejected_api_key_exits_4(world: World) -> None:
    done = run_cli(["login"], env={**world.env(), "IBMCLOUD_API_KEY": "wrong-key-0000"})
    assert done.returncode == 4
    assert "wrong-key-0000" not in done.stderr


def test_api_key_create_with_file_writes_0600_and_shows_no_secret(world: World, tmp_path: Path) -> None:
    env = logged_in(world)
    key_file = tmp_path / "new-key.json"
    done = run_cli(["api-key", "create", "my-key", "--file", str(key_file)], env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads(key_file.read_text(encoding="utf-8"))
    assert set(record) == {"name", "id", "apikey", "created_at", "description"}
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert record["apikey"] not in done.stdout + done.stderr
    assert json.loads(done.stdout)["id"] == record["id"]


def test_api_key_create_refuses_to_overwrite_without_force(world: World, tmp_path: Path) -> None:
    env = logged_in(world)
    key_file = tmp_path / "key.json"
    key_file.write_text("precious", encoding="utf-8")
    before = len(world.calls())
    done = run_cli(["api-key", "create", "my-key", "--file", str(key_file)], env=env)
    assert done.returncode == 10
    assert "--force" in done.stderr
    assert key_file.read_text(encoding="utf-8") == "precious"
    assert len(world.calls()) == before  # no key was created


def test_api_key_create_without_file_prints_the_key_and_warns(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["api-key", "create", "shown-key"], env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["apikey"]
    assert "store this key now: it cannot be retrieved again" in done.stderr


def test_target_group_prints_the_resulting_target(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["target", "AI Lab"], env=env)
    assert done.returncode == 0, done.stderr
    assert "resource group: AI Lab" in done.stdout
    assert DEMO_ACCOUNT["guid"] in done.stdout


def test_target_unknown_group_exits_5(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["target", "No Such Group"], env=env)
    assert done.returncode == 5, done.stderr


def test_doctor_without_a_session_exits_4_and_says_how_to_log_in(world: World) -> None:
    done = run_cli(["doctor"], env=world.env())
    assert done.returncode == 4
    assert "logged in:      no" in done.stdout
    assert "2.38.1" in done.stdout


def test_missing_ibmcloud_exits_3_naming_the_fix(tmp_path: Path) -> None:
    done = run_cli(["doctor"], env={"OPENSCALE_CREDS_IBMCLOUD": str(tmp_path / "nope")})
    assert done.returncode == 3
    assert "--ibmcloud" in done.stderr


def test_parse_reads_stdin_and_exits_7_on_garbage() -> None:
    done = run_cli(["parse", "instance"], input="this is not ibmcloud output\n")
    assert done.returncode == 7
    assert "this is not ibmcloud output" in done.stderr
    assert "Traceback" not in done.stderr


def test_dry_run_prints_commands_and_runs_nothing(world: World) -> None:
    done = run_cli(
        ["--dry-run", "--shell", "posix", "setup", "--instance", INSTANCE, "--group", "AI Lab", "--out", "-"],
        env={**world.env(), "IBMCLOUD_API_KEY": DEMO_KEY},
    )
    assert done.returncode == 0, done.stderr
    assert world.calls() == []
    assert "# IBMCLOUD_API_KEY is passed in the environment" in done.stdout
    assert "# IBMCLOUD_HOME=<temporary folder>: a private session; your own is left alone" in done.stdout
    assert "ibmcloud login --no-region -g 'AI Lab'" in done.stdout  # the login targets the group itself
    lookup = "ibmcloud resource service-instances -g 'AI Lab' --service-name aiopenscale --output json"
    assert lookup in done.stdout
    assert DEMO_KEY not in done.stdout


def test_verbose_logs_each_command_with_its_duration_on_stderr(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["--verbose", "instance", INSTANCE, "--field", "guid"], env=env)
    assert done.stdout == f"{INSTANCE_GUID}\n"
    assert "ibmcloud resource service-instance" in done.stderr
    assert " s]" in done.stderr
