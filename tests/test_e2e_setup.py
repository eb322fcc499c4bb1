"""End to end: `setup`, `verify` and `rotate` through the installed command and the fake ibmcloud."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from _e2e import DEMO_ACCOUNT, DEMO_KEY, INSTANCE, INSTANCE_GUID, PASSCODES, World
from conftest import FAKE_IBMCLOUD, run_cli
from shell_emulators import (
    cmd_run_set_lines,
    fish_run_assignments,
    powershell_run_assignments,
    sdk_read_credential_file,
)

# Every character the issue names, plus spaces and non-ASCII, in the value that matters most: the key.
TRICKY_KEY = 'k\'ey "q" $HOME `id` $(id) \\ %TEMP% 100% wow! x^2 a&b|c<d>e; café ☁'


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def api_env(world: World, **extra: str) -> dict[str, str]:
    return {**world.env(**extra), "IBMCLOUD_API_KEY": DEMO_KEY}


def setup_args(*extra: str) -> list[str]:
    return ["setup", "--instance", INSTANCE, "--group", "Default", *extra]


def created_keys(world: World) -> int:
    return sum(1 for argv in world.argvs() if argv[:2] == ["iam", "api-key-create"])


def test_setup_with_an_api_key_writes_sdk_ready_yaml_0600(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    done = run_cli(setup_args("--out", str(out)), env=api_env(world))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # data only on stdout, and there is none: it went to the file
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    creds = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert list(creds)[:4] == ["apikey", "instance_guid", "service_instance_id", "data_mart_id"]
    assert creds["instance_guid"] == creds["service_instance_id"] == creds["data_mart_id"] == INSTANCE_GUID
    assert creds["url"] == "https://api.aiopenscale.cloud.ibm.com"
    assert creds["apikey"] and creds["apikey"] != DEMO_KEY
    assert str(out) in done.stderr
    assert "✓" in done.stderr  # progress lines with results


def test_setup_without_out_writes_no_file_and_keeps_the_key_0600_as_the_default_profile(
    world: World, isolated_home: Path
) -> None:
    done = run_cli(setup_args(), env=api_env(world))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    folder = isolated_home / ".config" / "openscale-creds"
    assert not (folder / "credentials.yaml").exists()  # the profile is the store
    # No keychain in the tests' environment: the key is in the plain-file store, said once.
    secrets = folder / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "plain file" in done.stderr and "profile default" in done.stderr
    stored = json.loads(secrets.read_text(encoding="utf-8"))["apikeys"]["default"]
    assert stored and stored != DEMO_KEY
    # …and it is retrievable, as every format the tool writes.
    shown = run_cli(["env", "--format", "json"], env=world.env())
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["apikey"] == stored
    assert json.loads(shown.stdout)["instance_guid"] == INSTANCE_GUID


def test_setup_json_loads_as_the_old_sdk_credentials_dict(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.json"
    assert run_cli(setup_args("--out", str(out)), env=api_env(world)).returncode == 0
    creds = json.loads(out.read_text(encoding="utf-8"))
    assert {"apikey", "instance_guid", "url"} <= set(creds)  # aios_credentials
    assert creds["data_mart_id"] == INSTANCE_GUID


def test_setup_never_overwrites_without_force(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    out.write_text("old: content\n", encoding="utf-8")
    done = run_cli(setup_args("--out", str(out)), env=api_env(world))
    assert done.returncode == 10
    assert out.read_text(encoding="utf-8") == "old: content\n"
    assert created_keys(world) == 0
    forced = run_cli(setup_args("--out", str(out), "--force"), env=api_env(world))
    assert forced.returncode == 0, forced.stderr
    assert "apikey" in out.read_text(encoding="utf-8")


def test_reuse_key_creates_no_key(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    assert run_cli(setup_args("--out", str(out)), env=api_env(world)).returncode == 0
    first = out.read_text(encoding="utf-8")
    done = run_cli(setup_args("--out", str(out), "--reuse-key"), env=api_env(world))
    assert done.returncode == 0, done.stderr
    assert created_keys(world) == 1
    assert out.read_text(encoding="utf-8") == first


def test_an_unknown_instance_costs_no_key(world: World, tmp_path: Path) -> None:
    done = run_cli(
        ["setup", "--instance", "typo-instance", "--out", str(tmp_path / "c.yaml")], env=api_env(world)
    )
    assert done.returncode == 5
    assert created_keys(world) == 0
    assert not (tmp_path / "c.yaml").exists()


def test_setup_with_sso_reads_the_code_from_stdin(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    done = run_cli(
        [
            "setup",
            "--instance",
            INSTANCE,
            "--out",
            str(out),
            "--sso",
            "--passcode-stdin",
            "--account",
            DEMO_ACCOUNT["guid"],
            "--no-region",
        ],
        env=world.env(),
        input=PASSCODES[4] + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert PASSCODES[4] not in done.stdout + done.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["instance_guid"] == INSTANCE_GUID


def test_setup_without_any_login_and_no_terminal_exits_4(world: World, tmp_path: Path) -> None:
    done = run_cli(setup_args("--out", str(tmp_path / "c.yaml")), env=world.env())
    assert done.returncode == 4
    assert "--sso" in done.stderr


def test_setup_dry_run_runs_nothing_and_hides_the_key(world: World) -> None:
    done = run_cli(["--dry-run", "--shell", "posix", *setup_args("--out", "-")], env=api_env(world))
    assert done.returncode == 0
    assert world.calls() == []
    assert DEMO_KEY not in done.stdout
    assert "iam api-key-create" in done.stdout


# --- formats carry every character exactly ------------------------------------------------------


def tricky_setup(world: World, fmt: str) -> tuple[str, dict[str, Any]]:
    """Run setup with a created key full of shell metacharacters; return (output, expected values)."""
    env = api_env(world, FAKE_IBMCLOUD_NEW_APIKEY=TRICKY_KEY)
    done = run_cli(setup_args("--format", fmt, "--out", "-"), env=env)
    assert done.returncode == 0, done.stderr
    expected = {
        "AI_OPENSCALE_APIKEY": TRICKY_KEY,
        "AI_OPENSCALE_URL": "https://api.aiopenscale.cloud.ibm.com",
        "AI_OPENSCALE_AUTH_TYPE": "iam",
        "AI_OPENSCALE_INSTANCE_GUID": INSTANCE_GUID,
        "WATSONX_APIKEY": TRICKY_KEY,
        "WXG_SERVICE_INSTANCE_ID": INSTANCE_GUID,
        "WATSONX_REGION": "us-south",
    }
    return done.stdout, expected


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_env_format_evaluated_by_a_real_shell_sets_exactly_the_values(world: World, shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    text, expected = tricky_setup(world, "env")
    names = list(expected)
    script = 'eval "$CREDS"; printf "%s\\0" ' + " ".join(f'"${n}"' for n in names)
    done = subprocess.run(
        [shell, "-c", script], env={"CREDS": text, "PATH": "/usr/bin:/bin"}, capture_output=True, check=True
    )
    values = done.stdout.decode("utf-8").split("\0")[:-1]
    assert dict(zip(names, values, strict=True)) == expected


def test_json_and_yaml_formats_carry_the_key_exactly(world: World) -> None:
    text, _ = tricky_setup(world, "json")
    assert json.loads(text)["apikey"] == TRICKY_KEY
    text, _ = tricky_setup(world, "yaml")
    assert yaml.safe_load(text)["apikey"] == TRICKY_KEY


def test_powershell_format_is_single_quoted_with_no_trailing_blank_line(world: World) -> None:
    text, expected = tricky_setup(world, "powershell")
    assert not text.endswith("\n\n")
    assert powershell_run_assignments(text) == expected


def test_dotenv_format_is_read_back_by_the_sdk_core_rules(world: World) -> None:
    text, expected = tricky_setup(world, "dotenv")
    data = text.encode("utf-8")
    openscale = sdk_read_credential_file(data, "AI_OPENSCALE")
    assert {f"AI_OPENSCALE_{k}": v for k, v in openscale.items()} == {
        k: v for k, v in expected.items() if k.startswith("AI_OPENSCALE_")
    }
    assert sdk_read_credential_file(data, "WATSONX") == {
        "APIKEY": TRICKY_KEY,
        "REGION": expected["WATSONX_REGION"],
    }


def test_cmd_format_round_trips_through_the_batch_emulator(world: World) -> None:
    text, expected = tricky_setup(world, "cmd")
    lines = text.split("\n")
    # Non-ASCII values make the file switch the console to UTF-8 first (cmd reads .bat files in the OEM page).
    assert lines[0] == "@chcp 65001 >nul"
    assert cmd_run_set_lines("\n".join(lines[1:]), {}) == expected


def test_fish_format_round_trips_through_the_fish_emulator(world: World) -> None:
    text, expected = tricky_setup(world, "fish")
    assert fish_run_assignments(text) == expected


def test_a_created_key_that_the_format_cannot_carry_is_deleted_not_orphaned(world: World) -> None:
    env = api_env(world, FAKE_IBMCLOUD_NEW_APIKEY="line1\nline2")
    done = run_cli(setup_args("--format", "dotenv", "--out", "-"), env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "line1" not in done.stderr and "deleted" in done.stderr
    assert any(argv[:2] == ["iam", "api-key-delete"] for argv in world.argvs())


# --- verify and rotate ---------------------------------------------------------------------------


def made_credentials(world: World, tmp_path: Path, name: str = "creds.json") -> Path:
    out = tmp_path / name
    done = run_cli(setup_args("--out", str(out)), env=api_env(world))
    assert done.returncode == 0, done.stderr
    return out


def test_verify_succeeds_without_touching_the_users_session(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    assert run_cli(["login"], env=api_env(world)).returncode == 0
    run_cli(["target", "AI Lab"], env=world.env())  # the user's own session targets another group
    done = run_cli(["verify", str(out)], env=world.env())
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stderr
    homes = [c["env"].get("IBMCLOUD_HOME") for c in world.calls() if c["argv"][:1] == ["login"]]
    # setup's login in a private home, the user's own `login`, verify's login in another private home
    assert len(set(homes)) == 3 and homes[1] == os.environ["IBMCLOUD_HOME"]
    doctor = run_cli(["doctor"], env=world.env())
    assert "AI Lab" in doctor.stdout


def test_verify_a_deleted_key_exits_4(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    key_id = json.loads(out.read_text(encoding="utf-8"))["api_key_id"]
    assert run_cli(["login"], env=api_env(world)).returncode == 0  # setup left the user's session alone
    deleted = subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "api-key-delete", key_id, "-f"],
        env={**os.environ, **world.env()},
        capture_output=True,
        check=False,
    )
    assert deleted.returncode == 0, deleted.stderr
    done = run_cli(["verify", str(out)], env=world.env())
    assert done.returncode == 4
    assert "rejected" in done.stderr


def test_verify_a_vanished_instance_exits_5(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    creds = json.loads(out.read_text(encoding="utf-8"))
    for name in ("instance_guid", "service_instance_id", "data_mart_id"):
        creds[name] = "00000000-0000-4000-8000-00000000dead"
    out.write_text(json.dumps(creds), encoding="utf-8")
    done = run_cli(["verify", str(out)], env=world.env())
    assert done.returncode == 5


def test_rotate_replaces_the_key_and_deletes_the_old_one(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    old = json.loads(out.read_text(encoding="utf-8"))
    done = run_cli(["rotate", str(out)], env=world.env())
    assert done.returncode == 0, done.stderr
    new = json.loads(out.read_text(encoding="utf-8"))
    assert new["apikey"] != old["apikey"] and new["instance_guid"] == old["instance_guid"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not out.with_name(out.name + ".new").exists()
    assert ["iam", "api-key-delete", old["api_key_id"], "-f"] in world.argvs()
    assert run_cli(["verify", str(out)], env=world.env()).returncode == 0


def test_rotate_that_cannot_delete_the_old_key_keeps_the_new_one_and_says_where(
    world: World, tmp_path: Path
) -> None:
    out = made_credentials(world, tmp_path)
    old = json.loads(out.read_text(encoding="utf-8"))
    env = world.env(FAKE_IBMCLOUD_FAULT="failed-exit0", FAKE_IBMCLOUD_FAULT_ON="iam api-key-delete")
    done = run_cli(["rotate", str(out)], env=env)
    assert done.returncode == 8
    new = json.loads(out.read_text(encoding="utf-8"))
    assert new["apikey"] != old["apikey"]
    assert old["api_key_id"] in done.stderr and "still exists" in done.stderr
    assert run_cli(["verify", str(out)], env=world.env()).returncode == 0


def test_rotate_whose_new_key_fails_verification_keeps_the_old_file(world: World, tmp_path: Path) -> None:
    out = made_credentials(world, tmp_path)
    before = out.read_text(encoding="utf-8")
    env = world.env(FAKE_IBMCLOUD_FAULT="crash", FAKE_IBMCLOUD_FAULT_ON="resource service-instance")
    done = run_cli(["rotate", str(out)], env=env)
    assert done.returncode != 0
    assert out.read_text(encoding="utf-8") == before
    side = out.with_name(out.name + ".new")
    assert side.exists() and stat.S_IMODE(side.stat().st_mode) == 0o600
    assert str(side) in done.stderr
