"""End to end: `openscale-creds login --sso` against the fake, over both drivers and both prompt wordings."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pexpect
import pytest
from _e2e import DEMO_ACCOUNT, OTHER_ACCOUNT, PASSCODES, World
from conftest import FAKE_IBMCLOUD, INSTALLED, run_cli

DRIVERS = ["pty", "pipe"]
STYLES = ["old", "new"]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("style", STYLES)
def test_sso_login_with_passcode_on_stdin_picks_the_named_account(
    world: World, driver: str, style: str
) -> None:
    code = PASSCODES[0]
    env = world.env(OPENSCALE_CREDS_DRIVER=driver, FAKE_IBMCLOUD_SSO_STYLE=style)
    done = run_cli(
        ["--verbose", "login", "--sso", "--passcode-stdin", "--account", DEMO_ACCOUNT["name"].upper()],
        env=env,
        input=code + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "identity/passcode" in done.stderr  # the URL is shown to the user
    assert code not in done.stdout + done.stderr
    assert all(code not in json.dumps(call) for call in world.calls())
    doctor = run_cli(["doctor"], env=env)
    assert DEMO_ACCOUNT["guid"] in doctor.stdout


@pytest.mark.parametrize("driver", DRIVERS)
def test_sso_login_by_account_id_passes_dash_c(world: World, driver: str) -> None:
    env = world.env(OPENSCALE_CREDS_DRIVER=driver)
    done = run_cli(
        ["login", "--sso", "--passcode-stdin", "--account", OTHER_ACCOUNT["guid"], "--no-region"],
        env=env,
        input=PASSCODES[1] + "\n",
    )
    assert done.returncode == 0, done.stderr
    login = next(argv for argv in world.argvs() if argv[:1] == ["login"])
    assert login[login.index("-c") + 1] == OTHER_ACCOUNT["guid"]
    assert "--no-region" in login


def test_sso_without_account_and_without_a_terminal_fails_with_the_list(world: World) -> None:
    done = run_cli(["login", "--sso", "--passcode-stdin"], env=world.env(), input=PASSCODES[2] + "\n")
    assert done.returncode == 2
    assert DEMO_ACCOUNT["name"] in done.stderr and OTHER_ACCOUNT["guid"] in done.stderr
    assert "--account" in done.stderr


def test_sso_with_a_wrong_code_exits_4(world: World) -> None:
    done = run_cli(
        ["login", "--sso", "--passcode-stdin", "--account", DEMO_ACCOUNT["guid"]],
        env=world.env(),
        input="WrongCode99\n",
    )
    assert done.returncode == 4
    assert "WrongCode99" not in done.stderr


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_person_types_the_code_at_a_hidden_prompt_and_picks_an_account(world: World, driver: str) -> None:
    code = PASSCODES[3]
    env = dict(os.environ)
    env.update(world.env(OPENSCALE_CREDS_DRIVER=driver), OPENSCALE_CREDS_IBMCLOUD=str(FAKE_IBMCLOUD))
    child = pexpect.spawn(
        str(INSTALLED), ["login", "--sso", "--no-region"], env=env, encoding="utf-8", timeout=20
    )
    seen = io.StringIO()
    child.logfile_read = seen
    child.expect("identity/passcode")
    child.expect("One-time code")
    child.waitnoecho(timeout=5)
    child.sendline(code)
    child.expect("Enter a number")
    child.sendline("2")
    child.expect(pexpect.EOF)
    child.close()
    transcript = seen.getvalue()
    assert child.exitstatus == 0, transcript
    assert code not in transcript
    doctor = run_cli(["doctor"], env=world.env())
    assert OTHER_ACCOUNT["guid"] in doctor.stdout
