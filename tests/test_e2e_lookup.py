"""End to end: the lookup rule (issue 11 §4) and the number of ibmcloud calls setup makes (issue 15 §2),
through the installed command and the fake ibmcloud, counted from the fake's invocation log.

Which instance a name means never depends on what the user's session targets; a session change is
said on stderr in one line; setup makes 2 calls with a session and 3 with an API key.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from _e2e import DEMO_KEY, DUPLICATE, INSTANCE, INSTANCE_GUID, WORLD, World
from conftest import FAKE_IBMCLOUD, run_cli

DUPLICATES = {i["resource_group_id"]: i for i in WORLD["instances"] if i["name"] == DUPLICATE}
GROUP_IDS = {
    g["name"]: g["id"] for g in WORLD["resource_groups"] if g["account"] == WORLD["accounts"][0]["guid"]
}
SESSION_CHANGED = "Your ibmcloud session now targets"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def key_env(world: World) -> dict[str, str]:
    return {**world.env(), "IBMCLOUD_API_KEY": DEMO_KEY}


def logged_in(world: World) -> dict[str, str]:
    done = run_cli(["login"], env=key_env(world))
    assert done.returncode == 0, done.stderr
    return world.env()


def ibmcloud(world: World, *args: str) -> None:
    """The user typing an `ibmcloud` command themselves, in the same session."""
    done = subprocess.run(
        [str(FAKE_IBMCLOUD), *args], env={**os.environ, **world.env()}, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr


def calls_of(world: World, run: list[str], env: dict[str, str]) -> tuple[int, list[list[str]]]:
    before = len(world.calls())
    done = run_cli(run, env=env)
    assert done.returncode == 0, done.stderr
    return done.returncode, world.argvs()[before:]


# --- the lookup rule --------------------------------------------------------------------------------


def test_a_name_in_two_groups_exits_6_listing_both_with_guid_group_and_region(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", DUPLICATE], env=env)
    assert done.returncode == 6, done.stderr
    for group_id, instance in DUPLICATES.items():
        line = next(ln for ln in done.stderr.splitlines() if instance["guid"] in ln)
        assert group_id in line and instance["region_id"] in line and DUPLICATE in line
    assert "`--group`" in done.stderr


@pytest.mark.parametrize("group", ["AI Lab", "Default"])
def test_group_finds_the_one_in_that_group(world: World, group: str) -> None:
    env = logged_in(world)
    done = run_cli(["instance", DUPLICATE, "--group", group, "--field", "guid"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == DUPLICATES[GROUP_IDS[group]]["guid"] + "\n"


def test_what_a_name_means_does_not_change_when_the_user_targets_another_group(world: World) -> None:
    env = logged_in(world)
    ibmcloud(world, "target", "-g", "Default")
    before = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    ambiguous_before = run_cli(["instance", DUPLICATE], env=env)
    ibmcloud(world, "target", "-g", "AI Lab")  # the instance is in Default, not here
    after = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    ambiguous_after = run_cli(["instance", DUPLICATE], env=env)
    assert (before.returncode, before.stdout) == (after.returncode, after.stdout) == (0, INSTANCE_GUID + "\n")
    assert ambiguous_before.returncode == ambiguous_after.returncode == 6
    assert ambiguous_before.stderr == ambiguous_after.stderr


def test_a_guid_is_found_in_any_group_even_with_another_group_given(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", INSTANCE_GUID, "--group", "AI Lab", "--field", "name"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == INSTANCE + "\n"
    assert world.argvs()[-1][:3] == ["resource", "service-instance", INSTANCE_GUID]


def test_a_name_is_matched_with_its_case_and_a_near_miss_is_named(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", INSTANCE.upper()], env=env)
    assert done.returncode == 5, done.stderr
    assert f"did you mean {INSTANCE!r}" in done.stderr


def test_a_name_in_another_group_than_the_one_given_is_not_found(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["instance", INSTANCE, "--group", "AI Lab"], env=env)
    assert done.returncode == 5, done.stderr
    assert "resource group 'AI Lab'" in done.stderr


def test_setup_looks_only_among_openscale_instances(world: World) -> None:
    env = logged_in(world)
    done = run_cli(["setup", "--instance", "cos-demo-bucket-store", "--out", "-"], env=env)
    assert done.returncode == 5, done.stderr
    assert "no OpenScale instance named 'cos-demo-bucket-store'" in done.stderr
    assert world.argvs()[-1][3:5] == ["--service-name", "aiopenscale"]


# --- how many calls setup makes ---------------------------------------------------------------------


def test_setup_with_a_session_and_a_group_makes_exactly_two_calls(world: World) -> None:
    env = logged_in(world)
    _code, argvs = calls_of(world, ["setup", "--instance", INSTANCE, "--group", "Default", "--out", "-"], env)
    assert [a[:2] for a in argvs] == [["resource", "service-instances"], ["iam", "api-key-create"]]
    assert argvs[0][2:4] == ["-g", "Default"]


def test_setup_with_a_session_and_no_group_makes_exactly_two_calls(world: World) -> None:
    env = logged_in(world)
    _code, argvs = calls_of(world, ["setup", "--instance", INSTANCE, "--out", "-"], env)
    assert [a[:2] for a in argvs] == [["resource", "service-instances"], ["iam", "api-key-create"]]
    assert "--all-resource-groups" in argvs[0]


def test_setup_with_an_api_key_makes_three_calls_in_a_private_session(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    before = len(world.calls())
    done = run_cli(
        ["setup", "--instance", INSTANCE, "--group", "Default", "--out", str(out)], env=key_env(world)
    )
    assert done.returncode == 0, done.stderr
    calls = world.calls()[before:]
    assert [c["argv"][:2] for c in calls] == [
        ["login", "--no-region"],
        ["resource", "service-instances"],
        ["iam", "api-key-create"],
    ]
    homes = {c["env"]["IBMCLOUD_HOME"] for c in calls}
    assert len(homes) == 1 and homes != {os.environ["IBMCLOUD_HOME"]}  # one private home, not the user's
    assert not Path(homes.pop()).exists()  # and it is gone afterwards
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["resource_group"] == "Default"
    assert SESSION_CHANGED not in done.stderr  # the user's session was left alone
    assert run_cli(["doctor"], env=world.env()).returncode == 4  # ... so it is still not logged in


def test_setup_without_a_session_and_nobody_at_the_terminal_exits_4_after_one_call(world: World) -> None:
    before = len(world.calls())
    done = run_cli(["setup", "--instance", INSTANCE, "--out", "-"], env=world.env())
    assert done.returncode == 4, done.stderr
    assert "`openscale-creds login --sso`" in done.stderr
    assert [a[:2] for a in world.argvs()[before:]] == [["resource", "service-instances"]]


# --- a changed session is announced -----------------------------------------------------------------


def test_login_with_a_key_and_target_each_say_in_one_line_that_the_session_changed(world: World) -> None:
    login = run_cli(["login", "--group", "Default"], env=key_env(world))
    assert login.returncode == 0, login.stderr
    said = [ln for ln in login.stderr.splitlines() if SESSION_CHANGED in ln]
    assert said == [
        f"{SESSION_CHANGED} account Demo Account, group Default (changed by openscale-creds login)"
    ]

    target = run_cli(["target", "AI Lab"], env=world.env())
    assert target.returncode == 0, target.stderr
    assert [ln for ln in target.stderr.splitlines() if SESSION_CHANGED in ln] == [
        f"{SESSION_CHANGED} account Demo Account, group AI Lab (changed by openscale-creds target)"
    ]


def test_reusing_a_session_says_nothing_about_changing_it(world: World) -> None:
    env = logged_in(world)
    for args in (["login"], ["instance", INSTANCE], ["setup", "--instance", INSTANCE, "--out", "-"]):
        done = run_cli(args, env=env)
        assert done.returncode == 0, done.stderr
        assert SESSION_CHANGED not in done.stderr
