"""Tests of the fake `ibmcloud` itself: that it prints what the reference shows, keeps its state, logs its
calls and misbehaves on request, so that the end-to-end tests built on it can be trusted."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FAKE = Path(__file__).resolve().parent / "fake_ibmcloud" / "ibmcloud"
WORLD = json.loads((FAKE.parent / "demo-world.json").read_text(encoding="utf-8"))
DEMO_KEY = "demo-apikey-00000000000000000000000000000000"
RONAN_KEY = "demo-apikey-ronan-00000000000000000000000000"
DEMO_ACCOUNT = "34445945c2dfb743dccd9aea88034794"
RONAN_ACCOUNT = "be8a87a1a51360e979bc5793887119a0"
DEFAULT_GROUP = "4252a45c8d307e8a4966878af8f014d5"
OPENSCALE_RESOURCE_ID = "2ad019f3-0fd6-4c25-966d-f3952481a870"
MY_INSTANCE = "AI OpenScale-my_instance"
NEW_PROMPTS = (
    "Get a one-time code from https://identity-2.us-south.iam.cloud.ibm.com/identity/passcode to proceed.",
    "Open the URL in the default browser? [Y/n] > ",
    "One-time code > ",
)
OLD_PROMPTS = (
    "Get One Time Code from https://identity-2.us-south.iam.cloud.ibm.com/identity/passcode to proceed.",
    "Open the URL in the default browser? [Y/n]> ",
    "One Time Code > ",
)


def base_env(**extra: str) -> dict[str, str]:
    """The caller's environment with colour off, and this interpreter's folder first on PATH: the fake's
    `#!/usr/bin/env python3` then skips slow launchers such as pyenv shims (~0.25 s a call)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "IBMCLOUD_COLOR": "false", "PATH": path, **extra}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def both(self) -> str:
        return self.stdout + self.stderr


def fake(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    home: Path | None = None,
    timeout: float = 20,
) -> Run:
    """Run the fake as a real process with stdin a pipe (or /dev/null) and colour off."""
    full = base_env(**(env or {}))
    if home is not None:
        full["IBMCLOUD_HOME"] = str(home)
    proc = subprocess.run(
        [str(FAKE), *args],
        env=full,
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def fake_bytes(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = base_env(**(env or {}))
    return subprocess.run(
        [str(FAKE), *args], env=full, capture_output=True, stdin=subprocess.DEVNULL, timeout=20
    )


def login_with_key(
    key: str = DEMO_KEY, *extra: str, home: Path | None = None, env: Mapping[str, str] | None = None
) -> Run:
    run = fake("login", "--no-region", *extra, env={"IBMCLOUD_API_KEY": key, **(env or {})}, home=home)
    assert run.returncode == 0, run.both
    return run


def target_json(home: Path | None = None) -> dict[str, Any]:
    run = fake("target", "--output", "json", home=home)
    assert run.returncode == 0, run.both
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def instances(*args: str, home: Path | None = None) -> list[dict[str, Any]]:
    run = fake("resource", "service-instance", *args, "--output", "json", home=home)
    assert run.returncode == 0, run.both
    data: list[dict[str, Any]] = json.loads(run.stdout)
    return data


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- version, usage, unknown commands ------------------------------------------------------------


def test_version_prints_the_2025_format_with_the_copyright_line() -> None:
    for flag in ("--version", "version"):
        run = fake(flag)
        assert run.returncode == 0
        assert run.stdout.splitlines() == [
            "ibmcloud 2.38.1 (4d6f1efc2-2025-11-10T22:18:45+00:00)",
            "Copyright IBM Corp. 2014, 2025",
        ]


def test_the_fake_also_runs_through_an_explicit_python_interpreter() -> None:
    proc = subprocess.run(
        [sys.executable, str(FAKE), "--version"], capture_output=True, text=True, timeout=20, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("ibmcloud 2.38.1 ")


def test_an_unknown_command_fails_on_stderr_with_exit_2() -> None:
    run = fake("frobnicate")
    assert run.returncode == 2
    assert run.stderr.splitlines()[:2] == [
        "FAILED",
        "'frobnicate' is not a registered command. See 'ibmcloud help'.",
    ]
    assert run.stdout == ""


def test_a_flag_without_its_argument_is_incorrect_usage_with_exit_0_like_the_real_bug() -> None:
    run = fake("login", "--apikey")
    assert run.returncode == 0
    assert run.stdout.startswith("Incorrect Usage: flag needs an argument: -apikey\n")
    assert "USAGE:" in run.stdout


def test_an_api_key_starting_with_a_dash_on_the_command_line_is_read_as_a_flag() -> None:
    run = fake("login", "--apikey", "-68abc", "--no-region")
    assert run.returncode == 0
    assert "Incorrect Usage: flag needs an argument: -apikey" in run.stdout


def test_an_unknown_flag_is_incorrect_usage_with_exit_0() -> None:
    run = fake("target", "--bogus")
    assert run.returncode == 0
    assert run.stdout.startswith("Incorrect Usage: flag provided but not defined: -bogus\n")


def test_config_check_version_prints_ok_and_is_remembered(isolated_home: Path) -> None:
    run = fake("config", "--check-version=false")
    assert (run.returncode, run.stdout) == (0, "OK\n")
    config = json.loads((isolated_home / "ibmcloud-home" / ".bluemix" / "config.json").read_text())
    assert config["CheckCLIVersionDisabled"] is True


# --- API-key login and target ---------------------------------------------------------------------


def test_api_key_login_from_the_environment_prints_the_reference_lines_and_the_target_table() -> None:
    run = login_with_key()
    lines = run.stdout.splitlines()
    assert lines[:4] == [
        "API endpoint: https://cloud.ibm.com",
        "Logging in with API key from environment variable...",
        "Authenticating...",
        "OK",
    ]
    assert f"Targeted account Demo Account ({DEMO_ACCOUNT}) <-> 1687099" in lines
    assert lines[-5:] == [
        "API endpoint:     https://cloud.ibm.com",
        "Region:",
        "User:             demo.user@example.com",
        f"Account:          Demo Account ({DEMO_ACCOUNT}) <-> 1687099",
        "Resource group:   No resource group targeted, use 'ibmcloud target -g RESOURCE_GROUP'",
    ]
    assert DEMO_KEY not in run.both


def test_after_an_api_key_login_target_json_shows_the_keys_account() -> None:
    login_with_key(RONAN_KEY)
    data = target_json()
    assert data["account"] == {
        "guid": RONAN_ACCOUNT,
        "name": "Ronan's Account",
        "owner": "demo.user@example.com",
    }
    assert data["user"]["user_email"] == "demo.user@example.com"
    assert data["api_endpoint"] == "https://cloud.ibm.com"
    assert data["region"] is None
    assert data["resource_group"] is None


def test_login_with_region_and_group_targets_both() -> None:
    run = login_with_key(DEMO_KEY, "-g", "AI Lab", "-r", "eu-de")
    assert "Targeted resource group AI Lab" in run.stdout
    assert "Targeted region eu-de" in run.stdout
    data = target_json()
    assert data["region"]["name"] == "eu-de"
    assert data["resource_group"]["name"] == "AI Lab"


@pytest.mark.parametrize("as_json", [False, True], ids=["raw-text-file", "json-key-file"])
def test_the_api_key_may_be_given_as_an_at_file_in_the_environment(tmp_path: Path, as_json: bool) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(json.dumps({"apikey": DEMO_KEY}) if as_json else DEMO_KEY + "\n")
    login_with_key(f"@{key_file}")
    assert target_json()["account"]["guid"] == DEMO_ACCOUNT


def test_the_apikey_flag_logs_in_without_the_environment_line() -> None:
    run = fake("login", "--apikey", DEMO_KEY, "--no-region")
    assert run.returncode == 0
    assert "Logging in with API key from environment variable..." not in run.stdout
    assert "Targeted account Demo Account" in run.stdout


def test_a_wrong_api_key_prints_the_doc_failure_transcript_and_leaves_no_session() -> None:
    login_with_key()
    run = fake("login", "--no-region", env={"IBMCLOUD_API_KEY": "demo-apikey-wrong"})
    assert run.returncode == 1
    assert run.stdout.splitlines()[-3:] == [
        "API endpoint:   https://cloud.ibm.com",
        "Region:         ",
        "Not logged in.",
    ]
    assert run.stderr == "FAILED\nUnable to authenticate.\n\n"
    assert fake("target").returncode == 1


def test_an_api_key_bound_to_an_account_cannot_switch_to_another_account() -> None:
    run = fake("login", "--no-region", "-c", RONAN_ACCOUNT, env={"IBMCLOUD_API_KEY": DEMO_KEY})
    assert run.returncode == 1
    assert "switching to another account isn't supported" in run.stderr


def test_target_when_not_logged_in_says_so_and_exits_1() -> None:
    run = fake("target")
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "Not logged in. Use 'ibmcloud login' to log in."
    run = fake("target", "--output", "json")
    assert (run.returncode, run.stderr) == (1, "FAILED\nNot logged in. Use 'ibmcloud login' to log in.\n\n")


def test_target_g_targets_a_group_by_name_and_refuses_an_unknown_one() -> None:
    login_with_key()
    run = fake("target", "-g", "AI Lab")
    assert run.returncode == 0
    assert run.stdout.startswith("Targeted resource group AI Lab\n")
    assert "Resource group:   AI Lab" in run.stdout
    run = fake("target", "-g", "Nope")
    assert run.returncode == 1
    assert run.stderr.startswith(
        "FAILED\nCould not get resource group:\nNo resource group found with name Nope"
    )
    assert target_json()["resource_group"]["name"] == "AI Lab"


def test_target_g_accepts_a_group_id_and_r_targets_a_region() -> None:
    login_with_key()
    assert fake("target", "-g", DEFAULT_GROUP, "-r", "us-south").returncode == 0
    data = target_json()
    assert (data["resource_group"]["guid"], data["region"]["name"]) == (DEFAULT_GROUP, "us-south")


def test_logout_ends_the_session() -> None:
    login_with_key()
    run = fake("logout")
    assert run.returncode == 0
    assert fake("iam", "oauth-tokens").returncode == 1


def test_the_session_lives_in_ibmcloud_home(isolated_home: Path, tmp_path: Path) -> None:
    login_with_key()
    other = tmp_path / "other-home"
    assert fake("target", home=other).returncode == 1
    config = json.loads((isolated_home / "ibmcloud-home" / ".bluemix" / "config.json").read_text())
    assert config["Account"]["GUID"] == DEMO_ACCOUNT
    assert config["IAMToken"].startswith("Bearer ")


def test_without_ibmcloud_home_the_session_goes_to_dot_bluemix_in_home(isolated_home: Path) -> None:
    env = base_env(IBMCLOUD_API_KEY=DEMO_KEY)
    del env["IBMCLOUD_HOME"]
    proc = subprocess.run(
        [str(FAKE), "login", "--no-region"], env=env, capture_output=True, timeout=20, check=False
    )
    assert proc.returncode == 0
    assert (isolated_home / ".bluemix" / "config.json").is_file()


def test_another_world_can_be_chosen_and_a_single_account_needs_no_menu(tmp_path: Path) -> None:
    world = {**WORLD, "accounts": WORLD["accounts"][1:], "passcodes": ["OnlyCode"]}
    path = tmp_path / "world.json"
    path.write_text(json.dumps(world), encoding="utf-8")
    run = fake("login", "--sso", "--no-region", input="n\nOnlyCode\n", env={"FAKE_IBMCLOUD_WORLD": str(path)})
    assert run.returncode == 0, run.both
    assert "Select an account" not in run.stdout
    assert f"Targeted account Ronan's Account ({RONAN_ACCOUNT})" in run.stdout


def test_an_unreadable_world_fails_clearly(tmp_path: Path) -> None:
    run = fake("target", env={"FAKE_IBMCLOUD_WORLD": str(tmp_path / "missing.json")})
    assert run.returncode == 1
    assert "cannot read world" in run.stderr


def test_login_a_sets_the_api_endpoint() -> None:
    run = login_with_key(DEMO_KEY, "-a", "cloud.ibm.com")
    assert run.stdout.startswith("API endpoint: https://cloud.ibm.com\n")


# --- SSO and passcode login over a pipe -----------------------------------------------------------


@pytest.mark.parametrize(("style", "texts"), [("new", NEW_PROMPTS), ("old", OLD_PROMPTS)])
def test_sso_over_a_pipe_shows_the_wording_of_its_generation_and_hides_the_code(
    style: str, texts: tuple[str, str, str]
) -> None:
    url_line, browser, code_prompt = texts
    run = fake(
        "login", "--sso", "-r", "us-south", input="n\nFakeCode01\n2\n", env={"FAKE_IBMCLOUD_SSO_STYLE": style}
    )
    assert run.returncode == 0, run.both
    assert run.stdout.startswith(
        f"API endpoint: https://cloud.ibm.com\n\n{url_line}\n{browser}n\n{code_prompt}\n"
    )
    assert "Authenticating...\nOK\n\nSelect an account:\n" in run.stdout
    assert (
        f"1. Demo Account ({DEMO_ACCOUNT}) <-> 1687099\n2. Ronan's Account ({RONAN_ACCOUNT})\n" in run.stdout
    )
    assert "Enter a number> 2\n" in run.stdout  # a visible answer is echoed back on a pipe
    assert "FakeCode01" not in run.both
    assert target_json()["account"]["guid"] == RONAN_ACCOUNT


def test_sso_shows_the_configured_region_in_its_header() -> None:
    login_with_key(DEMO_KEY, "-r", "eu-de")
    run = fake("login", "--sso", "-c", DEMO_ACCOUNT, input="n\nFakeCode01\n")
    assert run.returncode == 0, run.both
    assert run.stdout.startswith("API endpoint: https://cloud.ibm.com\nRegion: eu-de\n\nGet a one-time code")
    assert "Select a region" not in run.stdout


def test_the_account_menu_asks_again_after_a_bad_number() -> None:
    run = fake("login", "--sso", "--no-region", input="y\nFakeCode01\n0\nthree\n1\n")
    assert run.returncode == 0, run.both
    assert run.stdout.count("Please enter a number between 1 to 2.") == 2
    assert run.stdout.count("Enter a number> ") == 3
    assert f"Targeted account Demo Account ({DEMO_ACCOUNT}) <-> 1687099" in run.stdout


def test_a_bad_yes_no_answer_asks_again() -> None:
    run = fake("login", "--sso", "--no-region", "-c", DEMO_ACCOUNT, input="perhaps\n\nFakeCode01\n")
    assert run.returncode == 0, run.both
    assert run.stdout.count("Open the URL in the default browser? [Y/n] > ") == 2
    assert "Please enter 'y', 'n', 'yes' or 'no'." in run.stdout


def test_without_region_flags_login_asks_for_a_region_and_enter_skips_it() -> None:
    run = fake("login", "--sso", "-c", DEMO_ACCOUNT, input="n\nFakeCode01\n\n")
    assert run.returncode == 0, run.both
    assert "Select a region (or press enter to skip):\n1. au-syd\n" in run.stdout
    assert "Targeted region" not in run.stdout
    run = fake("login", "--sso", "-c", DEMO_ACCOUNT, input="n\nFakeCode02\n5\n")
    assert "Targeted region us-south" in run.stdout
    assert target_json()["region"]["name"] == "us-south"


def test_a_wrong_one_time_code_fails_to_authenticate() -> None:
    run = fake("login", "--sso", "--no-region", input="n\nNotACode\n")
    assert run.returncode == 1
    assert run.stderr == "FAILED\nUnable to authenticate.\n\n"
    assert "NotACode" not in run.both


def test_a_one_time_code_works_once_per_ibmcloud_home(tmp_path: Path) -> None:
    args = ("login", "--sso", "--no-region", "-c", DEMO_ACCOUNT)
    assert fake(*args, input="n\nFakeCode03\n").returncode == 0
    assert fake(*args, input="n\nFakeCode03\n").returncode == 1
    assert fake(*args, input="n\nFakeCode03\n", home=tmp_path / "elsewhere").returncode == 0


def test_passcode_login_with_u_and_p_needs_no_prompt() -> None:
    run = fake("login", "-u", "passcode", "-p", "FakeCode04", "-c", RONAN_ACCOUNT, "--no-region")
    assert run.returncode == 0, run.both
    assert "Enter a number" not in run.stdout
    assert target_json()["account"]["guid"] == RONAN_ACCOUNT


def test_eof_at_a_prompt_fails_with_could_not_read_from_input() -> None:
    run = fake("login", "--sso", "--no-region", input="n\n")
    assert run.returncode == 1
    assert run.stdout.endswith("One-time code > ")
    assert run.stderr == "FAILED\nCould not read from input: EOF\n\n"


def test_sigint_at_a_prompt_exits_with_2() -> None:
    env = base_env()
    proc = subprocess.Popen(
        [str(FAKE), "login", "--sso"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    seen = b""
    while not seen.endswith(b"> "):
        seen += os.read(proc.stdout.fileno(), 1024)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 2
    proc.communicate()


def test_over_a_pty_the_code_prompt_turns_echo_off_and_the_code_is_not_shown() -> None:
    pexpect = pytest.importorskip("pexpect")
    env = base_env()
    child = pexpect.spawn(
        str(FAKE),
        ["login", "--sso", "-c", DEMO_ACCOUNT, "--no-region"],
        env=env,
        encoding="utf-8",
        timeout=10,
    )
    try:
        child.expect_exact("[Y/n] > ")
        child.sendline("n")
        child.expect_exact("One-time code > ")
        assert child.waitnoecho(timeout=5)
        child.sendline("FakeCode05")
        child.expect(pexpect.EOF)
        transcript = child.before
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "FakeCode05" not in transcript
    assert "Authenticating...\r\nOK" in transcript


def test_over_a_pty_colour_is_on_unless_ibmcloud_color_is_false() -> None:
    pexpect = pytest.importorskip("pexpect")
    outputs = {}
    for color in ("", "false"):
        env = base_env(IBMCLOUD_COLOR=color, IBMCLOUD_API_KEY=DEMO_KEY)
        child = pexpect.spawn(str(FAKE), ["login", "--no-region"], env=env, encoding="utf-8", timeout=10)
        child.expect(pexpect.EOF)
        outputs[color] = child.before
        child.close()
    assert "\x1b[" in outputs[""]
    assert "\x1b[" not in outputs["false"]


# --- service instances ----------------------------------------------------------------------------


def test_service_instance_finds_a_unique_name_and_prints_the_rc_fields() -> None:
    login_with_key()
    (found,) = instances(MY_INSTANCE)
    assert found["name"] == MY_INSTANCE
    assert found["resource_id"] == OPENSCALE_RESOURCE_ID
    assert found["crn"] == found["id"]
    assert found["crn"].split(":")[4] == "aiopenscale"
    for field in (
        "guid",
        "region_id",
        "account_id",
        "resource_plan_id",
        "resource_group_id",
        "state",
        "type",
    ):
        assert found[field]
    assert found["last_operation"]["state"] == "succeeded"
    assert not any(key.startswith("_") for key in found)


def test_service_instance_finds_by_guid_and_by_crn() -> None:
    login_with_key()
    (by_name,) = instances(MY_INSTANCE)
    assert instances(by_name["guid"]) == [by_name]
    assert instances(by_name["crn"]) == [by_name]


def test_duplicate_names_give_several_matches_unless_a_group_or_location_narrows_them() -> None:
    login_with_key()
    assert len(instances("openscale-dup")) == 2
    assert [i["region_id"] for i in instances("openscale-dup", "--location", "eu-de")] == ["eu-de"]
    assert fake("target", "-g", "Default").returncode == 0
    (scoped,) = instances("openscale-dup")
    assert scoped["resource_group_id"] == DEFAULT_GROUP


def test_a_guid_is_found_even_outside_the_targeted_group() -> None:
    login_with_key()
    eu = instances("openscale-dup", "--location", "eu-de")[0]
    assert fake("target", "-g", "Default").returncode == 0
    assert instances(eu["guid"]) == [eu]


def test_a_non_ascii_name_is_found() -> None:
    login_with_key()
    assert instances("OpenScale café ☁ 日本")[0]["region_id"] == "eu-gb"


def test_service_instance_not_found_fails_on_stderr_with_not_found() -> None:
    login_with_key()
    for extra in ((), ("--output", "json")):
        run = fake("resource", "service-instance", "no-such-instance", *extra)
        assert run.returncode == 1
        assert run.stderr.startswith("FAILED\n")
        assert "not found" in run.stderr


def test_service_instance_text_is_a_key_value_block_with_a_nested_last_operation() -> None:
    login_with_key(DEMO_KEY, "-g", "Default")
    run = fake("resource", "service-instance", MY_INSTANCE)
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[:3] == [
        f"Retrieving service instance {MY_INSTANCE} in resource group Default under account Demo Account"
        " as demo.user@example.com...",
        "OK",
        "",
    ]
    assert f"Name:                  {MY_INSTANCE}" in lines
    assert "Service Name:          aiopenscale" in lines
    assert "Resource Group Name:   Default" in lines
    assert "Sub Type:" in lines
    assert lines[-3:] == [
        "Last Operation:",
        "                       Status    create succeeded",
        "                       Message   Completed create instance operation",
    ]


def test_service_instance_text_shows_one_block_per_duplicate() -> None:
    login_with_key()
    run = fake("resource", "service-instance", "openscale-dup")
    assert "in all resource groups under account Demo Account" in run.stdout
    assert run.stdout.count("Name:                  openscale-dup") == 2


def test_service_instance_id_prints_the_crn() -> None:
    login_with_key()
    run = fake("resource", "service-instance", MY_INSTANCE, "--id", "-q")
    assert run.stdout == instances(MY_INSTANCE)[0]["crn"] + "\n"


def test_service_instances_filters_by_service_name_and_shows_group_ids_across_groups() -> None:
    login_with_key()
    run = fake("resource", "service-instances", "--service-name", "aiopenscale", "--all-resource-groups")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[1] == "OK"
    assert lines[2].split("   ")[0] == "Name"
    assert lines[2].endswith("Resource Group ID")
    assert "cos-demo-bucket-store" not in run.stdout
    assert len(lines) == 3 + 4
    data = json.loads(
        fake("resource", "service-instances", "--service-name", "aiopenscale", "--output", "json").stdout
    )
    assert {i["resource_id"] for i in data} == {OPENSCALE_RESOURCE_ID}
    assert len(data) == 4


def test_resource_groups_default_json_names_the_default_group() -> None:
    login_with_key()
    run = fake("resource", "groups", "--default", "--output", "json")
    assert [(g["name"], g["id"], g["default"]) for g in json.loads(run.stdout)] == [
        ("Default", DEFAULT_GROUP, True)
    ]


def test_commands_that_need_a_session_fail_when_not_logged_in() -> None:
    for args in (
        ("iam", "oauth-tokens"),
        ("resource", "service-instance", MY_INSTANCE),
        ("iam", "api-key-create", "x"),
    ):
        run = fake(*args)
        assert run.returncode == 1
        assert run.stderr == "FAILED\nNot logged in. Use 'ibmcloud login' to log in.\n\n"


# --- API keys and tokens --------------------------------------------------------------------------


def test_api_key_create_json_has_the_reference_fields_and_a_44_character_key() -> None:
    login_with_key()
    run = fake("iam", "api-key-create", "my-key", "-d", "for tests", "--output", "json")
    data = json.loads(run.stdout)
    assert set(data) == {
        "id",
        "crn",
        "iam_id",
        "account_id",
        "name",
        "description",
        "apikey",
        "locked",
        "entity_tag",
        "created_at",
        "created_by",
        "modified_at",
    }
    assert data["id"].startswith("ApiKey-")
    assert (data["name"], data["description"], data["account_id"], data["locked"]) == (
        "my-key",
        "for tests",
        DEMO_ACCOUNT,
        False,
    )
    assert len(data["apikey"]) == 44
    assert time.strptime(data["created_at"], "%Y-%m-%dT%H:%M+0000")


def test_the_new_key_value_can_be_chosen_and_then_logs_in() -> None:
    login_with_key()
    tricky = 'k\'ey "q" $HOME café ☁'
    run = fake(
        "iam", "api-key-create", "chosen", "--output", "json", env={"FAKE_IBMCLOUD_NEW_APIKEY": tricky}
    )
    assert json.loads(run.stdout)["apikey"] == tricky
    login_with_key(tricky)


def test_a_created_key_logs_in_from_another_ibmcloud_home_through_the_state_dir(tmp_path: Path) -> None:
    state = {"FAKE_IBMCLOUD_STATE_DIR": str(tmp_path / "state")}
    login_with_key(DEMO_KEY, env=state)
    new_key = json.loads(fake("iam", "api-key-create", "rotated", "--output", "json", env=state).stdout)[
        "apikey"
    ]
    other = tmp_path / "private-home"
    login_with_key(new_key, home=other, env=state)
    assert target_json(home=other)["account"]["guid"] == DEMO_ACCOUNT


def test_without_the_state_dir_a_created_key_only_works_in_its_own_home(tmp_path: Path) -> None:
    login_with_key()
    new_key = json.loads(fake("iam", "api-key-create", "local", "--output", "json").stdout)["apikey"]
    login_with_key(new_key)
    run = fake("login", "--no-region", env={"IBMCLOUD_API_KEY": new_key}, home=tmp_path / "other")
    assert run.returncode == 1


def test_a_deleted_key_can_no_longer_log_in(tmp_path: Path) -> None:
    state = {"FAKE_IBMCLOUD_STATE_DIR": str(tmp_path / "state")}
    login_with_key(DEMO_KEY, env=state)
    created = json.loads(fake("iam", "api-key-create", "doomed", "--output", "json", env=state).stdout)
    other = tmp_path / "private-home"
    login_with_key(created["apikey"], home=other, env=state)
    run = fake("iam", "api-key-delete", created["id"], "-f", home=other, env=state)
    assert run.returncode == 0, run.both
    run = fake("login", "--no-region", env={"IBMCLOUD_API_KEY": created["apikey"], **state})
    assert (run.returncode, run.stderr) == (1, "FAILED\nUnable to authenticate.\n\n")


def test_api_key_delete_without_force_asks_first() -> None:
    login_with_key()
    created = json.loads(fake("iam", "api-key-create", "kept", "--output", "json").stdout)
    run = fake("iam", "api-key-delete", "kept", input="n\n")
    assert "Really delete API key kept? [y/N] > n" in run.stdout
    assert created["id"] in fake("iam", "api-keys").stdout
    fake("iam", "api-key-delete", "kept", input="y\n")
    assert created["id"] not in fake("iam", "api-keys").stdout


def test_api_keys_json_lists_keys_without_their_values() -> None:
    login_with_key()
    fake("iam", "api-key-create", "listed", "--output", "json")
    data = json.loads(fake("iam", "api-keys", "--output", "json").stdout)
    assert {k["name"] for k in data} == {"demo-key", "listed"}
    assert {k["apikey"] for k in data} == {""}


def test_api_key_create_text_is_the_2025_table() -> None:
    login_with_key()
    run = fake("iam", "api-key-create", "texty")
    lines = run.stdout.splitlines()
    assert lines[:6] == [
        f"Creating API key texty under {DEMO_ACCOUNT} as demo.user@example.com...",
        "OK",
        "API key texty was created",
        "",
        "Please preserve the API key! It cannot be retrieved after it's created.",
        "",
    ]
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines[6:])
    assert rows["Description"] == "-"
    assert rows["ID"].startswith("ApiKey-")
    assert len(rows["API Key"]) == 44


def test_api_key_create_file_writes_a_private_json_file_that_login_accepts(tmp_path: Path) -> None:
    login_with_key()
    key_file = tmp_path / "apikey.json"
    run = fake("iam", "api-key-create", "filed", "--file", str(key_file))
    assert run.stdout.splitlines()[-1] == f"Successfully saved API key information to {key_file}"
    saved = json.loads(key_file.read_text())
    assert saved["apikey"] not in run.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    run = fake("login", "--apikey", f"@{key_file}", "--no-region")
    assert run.returncode == 0, run.both


def test_oauth_tokens_text_and_json_show_the_same_session_token_which_changes_per_login() -> None:
    login_with_key()
    text = fake("iam", "oauth-tokens").stdout
    assert text.startswith("IAM token:  Bearer ")
    token = text.split("IAM token:  ", 1)[1].strip()
    assert json.loads(fake("iam", "oauth-tokens", "--output", "json").stdout) == {"iam_token": token}
    login_with_key()
    assert fake("iam", "oauth-tokens").stdout.split("IAM token:  ", 1)[1].strip() != token


# --- knobs ----------------------------------------------------------------------------------------


def test_the_log_records_argv_and_env_names_but_never_the_key_or_the_code(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    login_with_key(DEMO_KEY, env={"FAKE_IBMCLOUD_LOG": str(log), "LANG": "en_US.UTF-8"})
    fake(
        "login",
        "--sso",
        "--no-region",
        "-c",
        DEMO_ACCOUNT,
        input="n\nFakeCode06\n",
        env={"FAKE_IBMCLOUD_LOG": str(log)},
    )
    first, second = log_lines(log)
    assert first["argv"] == ["login", "--no-region"]
    assert "IBMCLOUD_API_KEY" in first["env_names"]
    assert first["has_api_key_env"] is True
    assert first["env"]["LANG"] == "en_US.UTF-8"
    assert first["env"]["IBMCLOUD_COLOR"] == "false"
    assert first["stdin_isatty"] is False
    assert isinstance(first["pid"], int)
    assert second["has_api_key_env"] is False
    text = log.read_text()
    assert DEMO_KEY not in text
    assert "FakeCode06" not in text


def test_latency_delays_each_call() -> None:
    started = time.monotonic()
    fake("--version", env={"FAKE_IBMCLOUD_LATENCY": "0.4"})
    assert time.monotonic() - started >= 0.4


def test_a_fault_can_be_limited_to_a_command_prefix_and_to_the_first_n_calls(tmp_path: Path) -> None:
    login_with_key()
    env = {
        "FAKE_IBMCLOUD_FAULT": "expired",
        "FAKE_IBMCLOUD_FAULT_ON": "iam oauth-tokens",
        "FAKE_IBMCLOUD_FAULT_TIMES": "2",
        "FAKE_IBMCLOUD_STATE_DIR": str(tmp_path / "state"),
    }
    assert fake("target", env=env).returncode == 0
    assert fake("iam", "oauth-tokens", env=env).returncode == 1
    assert (
        fake("iam", "oauth-tokens", env=env, home=tmp_path / "fresh-home").returncode == 1
    )  # counter is shared
    assert fake("iam", "oauth-tokens", env=env).returncode == 0


def test_an_unknown_fault_name_is_refused() -> None:
    run = fake("--version", env={"FAKE_IBMCLOUD_FAULT": "nonsense"})
    assert run.returncode == 1
    assert "nonsense" in run.stderr


def groups_json(fault: str) -> subprocess.CompletedProcess[bytes]:
    login_with_key()
    return fake_bytes("resource", "groups", "--output", "json", env={"FAKE_IBMCLOUD_FAULT": fault})


def test_fault_crash_prints_half_the_output_and_dies_by_sigkill() -> None:
    normal = groups_json("").stdout
    proc = groups_json("crash")
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(proc.stdout) < len(normal)
    assert normal.startswith(proc.stdout)


def test_fault_truncated_json_cuts_the_json_and_exits_0() -> None:
    proc = groups_json("truncated-json")
    assert proc.returncode == 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)


def test_fault_invalid_utf8_puts_undecodable_bytes_inside_valid_json() -> None:
    proc = groups_json("invalid-utf8")
    assert b"\xff\xfe" in proc.stdout
    with pytest.raises(UnicodeDecodeError):
        proc.stdout.decode("utf-8")
    assert json.loads(proc.stdout.decode("utf-8", "ignore"))[0]["name"] == "Default"


def test_fault_empty_prints_nothing_and_exits_0() -> None:
    proc = groups_json("empty")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")


def test_fault_incorrect_usage_exits_0() -> None:
    proc = groups_json("incorrect-usage")
    assert proc.returncode == 0
    assert proc.stdout.startswith(b"Incorrect Usage")


def test_fault_failed_exit0_prints_failed_but_exits_0() -> None:
    proc = groups_json("failed-exit0")
    assert (proc.returncode, proc.stdout) == (0, b"")
    assert proc.stderr.startswith(b"FAILED\n")


def test_fault_failed_de_prints_the_german_failed() -> None:
    proc = groups_json("failed-de")
    assert proc.returncode == 1
    assert proc.stderr.startswith(b"FEHLGESCHLAGEN\n")


def test_fault_expired_prints_the_expired_token_message() -> None:
    proc = groups_json("expired")
    assert proc.returncode == 1
    assert proc.stderr == (
        b"FAILED\nLogin token is expired. Please update tokens using 'ibmcloud login' and try again.\n\n"
    )


def test_fault_notice_appends_the_update_notice_after_the_output() -> None:
    proc = groups_json("notice")
    text = proc.stdout.decode()
    body, notice = text.split("\nNew version ", 1)
    assert json.loads(body)[0]["name"] == "Default"
    assert "TIP: use 'ibmcloud config --check-version=false' to disable update check." in notice


def test_fault_ok_before_json_puts_an_ok_line_first() -> None:
    text = groups_json("ok-before-json").stdout.decode()
    assert text.startswith("OK\n[")
    assert json.loads(text[3:])[0]["name"] == "Default"


def test_fault_color_adds_ansi_escapes_despite_ibmcloud_color_false() -> None:
    login_with_key()
    proc = fake_bytes("target", env={"FAKE_IBMCLOUD_FAULT": "color"})
    assert b"\x1b[36;1mAPI endpoint:\x1b[0m" in proc.stdout
    assert b"\x1b[" not in fake_bytes("target").stdout


def test_fault_crlf_ends_every_line_with_cr_lf() -> None:
    out = groups_json("crlf").stdout
    assert out.count(b"\r\n") == out.count(b"\n") > 0


def test_fault_bom_starts_stdout_with_a_utf8_bom() -> None:
    out = groups_json("bom").stdout
    assert out.startswith(b"\xef\xbb\xbf[")


def test_fault_garbage_prints_unrecognisable_text_and_exits_0() -> None:
    proc = groups_json("garbage")
    assert proc.returncode == 0
    assert proc.stdout.strip()
    assert b"Default" not in proc.stdout


def wait_for_file(path: Path, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a killed but not yet reaped grandchild is a zombie: dead for our purpose
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def spawn_hanging(
    args: Sequence[str], env: Mapping[str, str], stdin_text: bytes = b""
) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(FAKE), *args],
        env=base_env(**env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(stdin_text)
    proc.stdin.flush()
    return proc


def kill_tree_and_check(proc: subprocess.Popen[bytes], grandchild: int) -> bytes:
    """Kill the fake's process group; return what it printed before."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    printed, _ = proc.communicate()
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(grandchild)
    return printed


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_fault_hang_hangs_with_a_grandchild_that_a_tree_kill_removes(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    proc = spawn_hanging(
        ["resource", "groups"], {"FAKE_IBMCLOUD_FAULT": "hang", "FAKE_IBMCLOUD_PIDFILE": str(pidfile)}
    )
    grandchild = int(wait_for_file(pidfile))
    assert alive(grandchild)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.5)
    kill_tree_and_check(proc, grandchild)


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_fault_hang_after_answer_hangs_right_after_the_one_time_code(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    env = {"FAKE_IBMCLOUD_FAULT": "hang-after-answer", "FAKE_IBMCLOUD_PIDFILE": str(pidfile)}
    assert fake("--version", env=env).returncode == 0  # other commands are untouched
    proc = spawn_hanging(["login", "--sso", "--no-region"], env, b"n\nFakeCode07\n")
    grandchild = int(wait_for_file(pidfile))
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.5)
    printed = kill_tree_and_check(proc, grandchild)
    assert printed.endswith(b"One-time code > \n")
    assert b"FakeCode07" not in printed
