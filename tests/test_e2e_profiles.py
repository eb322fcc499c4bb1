"""End to end: profiles through the installed command and the fake ibmcloud, in real processes.

`setup` stores a profile and reuses its working key; `env` prints it for every shell (evaluated by
real shells and the Windows emulators); `exec` runs a program with it (argv, exit codes, signals);
`list`, `remove`, `api-key list/delete`; `verify`/`rotate`/`ids` with `-p`. The tests' environment
has no D-Bus, so keys go to the plain-file store here; tests/test_e2e_keychain.py repeats the
lifecycle against a real Secret Service.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _e2e import DEMO_KEY, INSTANCE, INSTANCE_GUID, UNICODE_INSTANCE, WORLD, World
from conftest import FAKE_IBMCLOUD, INSTALLED, run_cli
from shell_emulators import (
    cmd_run_set_lines,
    fish_run_assignments,
    powershell_run_assignments,
    sdk_read_credential_file,
)

UNICODE_GUID = next(i["guid"] for i in WORLD["instances"] if i["name"] == UNICODE_INSTANCE)
# A key full of shell metacharacters, so `env` is proved on the hardest value.
TRICKY_KEY = 'k\'ey "q" $HOME `id` $(id) \\ %TEMP% 100% wow! x^2 a&b|c<d>e; café ☁'


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def api_env(world: World, **extra: str) -> dict[str, str]:
    return {**world.env(**extra), "IBMCLOUD_API_KEY": DEMO_KEY}


def setup(world: World, *extra: str, env: dict[str, str] | None = None, instance: str = INSTANCE) -> Any:
    done = run_cli(["setup", "--instance", instance, "--group", "Default", *extra], env=env or api_env(world))
    return done


def log_in(world: World) -> None:
    """Log the user's own session in, as `ibmcloud login` would. `setup` with IBMCLOUD_API_KEY logs in
    a private session and leaves the user's untouched, so what runs in the user's session needs this."""
    done = run_cli(["login"], env=api_env(world))
    assert done.returncode == 0, done.stderr


def delete_by_hand(world: World, key_id: str) -> None:
    """`ibmcloud iam api-key-delete ID -f`, as the user would run it in their own session."""
    log_in(world)
    subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "api-key-delete", key_id, "-f"],
        env={**os.environ, **world.env()},
        check=True,
        capture_output=True,
    )


def created(world: World) -> list[list[str]]:
    return [argv for argv in world.argvs() if argv[:2] == ["iam", "api-key-create"]]


def deleted_ids(world: World) -> list[str]:
    return [argv[2] for argv in world.argvs() if argv[:2] == ["iam", "api-key-delete"]]


def profiles(world: World) -> dict[str, dict[str, Any]]:
    done = run_cli(["list", "--format", "json"], env=world.env())
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def stored_key(home: Path, name: str = "default") -> str:
    path = home / ".config" / "openscale-creds" / "secrets.json"
    value: str = json.loads(path.read_text(encoding="utf-8"))["apikeys"][name]
    return value


def logs_in(world: World, key: str, tmp: Path) -> bool:
    """Whether `key` still logs in (a fresh IBMCLOUD_HOME, the fake run directly)."""
    home = tmp / f"probe-{time.monotonic_ns()}"
    env = {**os.environ, **world.env(), "IBMCLOUD_HOME": str(home), "IBMCLOUD_API_KEY": key}
    env.pop("FAKE_IBMCLOUD_LOG")
    done = subprocess.run(
        [str(FAKE_IBMCLOUD), "login", "--no-region"], env=env, capture_output=True, check=False, timeout=60
    )
    return done.returncode == 0


def live_key_ids(world: World, tmp: Path) -> set[str]:
    home = tmp / f"lister-{time.monotonic_ns()}"
    env = {**os.environ, **world.env(), "IBMCLOUD_HOME": str(home), "IBMCLOUD_API_KEY": DEMO_KEY}
    env.pop("FAKE_IBMCLOUD_LOG")
    subprocess.run([str(FAKE_IBMCLOUD), "login", "--no-region"], env=env, capture_output=True, check=True)
    done = subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "api-keys", "--output", "json"], env=env, capture_output=True, check=True
    )
    return {k["id"] for k in json.loads(done.stdout)}


# --- setup: one key per profile ------------------------------------------------------------------


def test_setup_twice_creates_one_key_and_says_it_reused_it(world: World, isolated_home: Path) -> None:
    first = setup(world)
    assert first.returncode == 0, first.stderr
    second = setup(world)
    assert second.returncode == 0, second.stderr
    assert len(created(world)) == 1
    assert "Reusing API key" in second.stderr and "no new key was created" in second.stderr
    assert deleted_ids(world) == []
    assert profiles(world)["default"]["api_key_id"] in second.stderr


def test_new_key_replaces_the_working_key_and_deletes_the_old_one(world: World, tmp_path: Path) -> None:
    assert setup(world).returncode == 0
    old = profiles(world)["default"]
    old_key = stored_key(tmp_path / "home")
    done = setup(world, "--new-key")
    assert done.returncode == 0, done.stderr
    new = profiles(world)["default"]
    assert len(created(world)) == 2
    assert new["api_key_id"] != old["api_key_id"]
    assert deleted_ids(world) == [old["api_key_id"]]
    assert not logs_in(world, old_key, tmp_path)
    assert logs_in(world, stored_key(tmp_path / "home"), tmp_path)


def test_a_stored_key_that_no_longer_works_is_replaced_and_said(world: World, tmp_path: Path) -> None:
    assert setup(world).returncode == 0
    old_id = profiles(world)["default"]["api_key_id"]
    delete_by_hand(world, old_id)
    done = setup(world)
    assert done.returncode == 0, done.stderr
    assert "no longer works" in done.stderr and "creating a new one" in done.stderr
    assert len(created(world)) == 2
    assert profiles(world)["default"]["api_key_id"] != old_id
    assert run_cli(["verify", "-p", "default"], env=world.env()).returncode == 0


def test_a_profile_holding_another_instance_is_not_repointed_without_force(world: World) -> None:
    assert setup(world).returncode == 0
    old_id = profiles(world)["default"]["api_key_id"]
    refused = setup(world, instance=UNICODE_GUID)
    assert refused.returncode == 10
    assert "--force" in refused.stderr and INSTANCE in refused.stderr
    assert len(created(world)) == 1
    assert profiles(world)["default"]["instance_guid"] == INSTANCE_GUID
    forced = setup(world, "--force", instance=UNICODE_GUID)
    assert forced.returncode == 0, forced.stderr
    assert profiles(world)["default"]["instance_guid"] == UNICODE_GUID
    assert deleted_ids(world) == [old_id]  # the key the profile no longer tracks is gone


def test_out_file_is_recorded_in_the_profile_and_read_back_from_there(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.sh"
    done = setup(world, "--out", str(out), "-p", "files")
    assert done.returncode == 0, done.stderr
    row = profiles(world)["files"]
    assert (row["secret"], row["secret_store"]) == (f"file {out}", "file")
    assert not (tmp_path / "home" / ".config" / "openscale-creds" / "secrets.json").exists()
    shown = run_cli(["env", "-p", "files", "--format", "json"], env=world.env())
    assert json.loads(shown.stdout)["api_key_id"] == row["api_key_id"]
    again = setup(world, "--out", str(out), "-p", "files")  # the profile's own file: reused, no --force
    assert again.returncode == 0, again.stderr
    assert len(created(world)) == 1


def test_out_dash_prints_the_key_and_the_profile_tracks_it_as_not_kept(world: World, tmp_path: Path) -> None:
    done = setup(world, "--out", "-", "--format", "json", "-p", "printed")
    assert done.returncode == 0, done.stderr
    key_id = json.loads(done.stdout)["api_key_id"]
    row = profiles(world)["printed"]
    assert (row["secret"], row["api_key_id"]) == ("printed, not kept", key_id)
    # A key printed and not kept cannot be reused: the next run makes one and deletes this one.
    again = setup(world, "--out", "-", "-p", "printed")
    assert again.returncode == 0, again.stderr
    assert deleted_ids(world) == [key_id]
    assert key_id not in live_key_ids(world, tmp_path)


def test_old_reuse_key_option_still_reuses_the_key_in_out(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    assert setup(world, "--out", str(out)).returncode == 0
    before = out.read_bytes()
    done = setup(world, "--out", str(out), "--reuse-key")
    assert done.returncode == 0, done.stderr
    assert len(created(world)) == 1 and out.read_bytes() == before


def test_a_profile_that_cannot_be_saved_deletes_the_new_key(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "home" / ".config" / "openscale-creds"
    (folder / "profiles.lock").mkdir(parents=True)  # the store cannot take its lock: saving fails
    done = setup(world)
    assert done.returncode == 10
    [create] = created(world)
    [deleted] = deleted_ids(world)  # the new key, whose only copy could not be kept
    assert create[2] in done.stderr and deleted in done.stderr and "so it was deleted" in done.stderr


def test_a_key_written_to_out_but_not_recorded_is_named_with_its_delete_command(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "home" / ".config" / "openscale-creds"
    (folder / "profiles.lock").mkdir(parents=True)
    out = tmp_path / "creds.json"
    done = setup(world, "--out", str(out))
    assert done.returncode == 10
    key_id = json.loads(out.read_text(encoding="utf-8"))["api_key_id"]  # saved in the file…
    assert f"openscale-creds api-key delete {key_id}" in done.stderr  # …and named with its delete command
    assert deleted_ids(world) == []


def test_store_keychain_where_none_works_refuses_and_deletes_the_new_key(world: World) -> None:
    done = setup(world, "--store", "keychain")
    assert done.returncode == 10
    assert "no keychain works here" in done.stderr and "--store file" in done.stderr
    assert len(created(world)) == 1 and len(deleted_ids(world)) == 1


def test_store_file_keeps_keys_in_the_plain_file_without_the_notice(world: World, tmp_path: Path) -> None:
    done = setup(world, "--store", "file")
    assert done.returncode == 0, done.stderr
    assert "no keychain works here" not in done.stderr  # chosen, so nothing to warn about
    secrets = tmp_path / "home" / ".config" / "openscale-creds" / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert stored_key(tmp_path / "home") not in done.stdout + done.stderr


def test_a_credentials_yaml_of_the_earlier_release_becomes_the_default_profile(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "home" / ".config" / "openscale-creds"
    folder.mkdir(parents=True)
    legacy = folder / "credentials.yaml"
    made = setup(world, "--out", str(tmp_path / "made.yaml"), "-p", "maker")
    assert made.returncode == 0, made.stderr
    shutil.copy(tmp_path / "made.yaml", legacy)
    # An earlier release knew no profiles: start from its one file alone.
    (folder / "profiles.json").unlink()
    done = run_cli(["verify"], env=world.env())
    assert done.returncode == 0, done.stderr
    assert "took over" in done.stderr and "profile default" in done.stderr
    assert profiles(world)["default"]["secret"] == f"file {legacy}"
    assert "took over" not in run_cli(["list"], env=world.env()).stderr  # said once


# --- env ------------------------------------------------------------------------------------------


@pytest.fixture
def tricky(world: World) -> dict[str, str]:
    """A profile whose key is full of shell metacharacters; the variables `env` must set."""
    done = setup(world, "-p", "tricky", env=api_env(world, FAKE_IBMCLOUD_NEW_APIKEY=TRICKY_KEY))
    assert done.returncode == 0, done.stderr
    return {
        "AI_OPENSCALE_APIKEY": TRICKY_KEY,
        "AI_OPENSCALE_URL": "https://api.aiopenscale.cloud.ibm.com",
        "AI_OPENSCALE_AUTH_TYPE": "iam",
        "AI_OPENSCALE_INSTANCE_GUID": INSTANCE_GUID,
        "WATSONX_APIKEY": TRICKY_KEY,
        "WXG_SERVICE_INSTANCE_ID": INSTANCE_GUID,
        "WATSONX_REGION": "us-south",
    }


def env_text(world: World, fmt: str, *extra: str) -> str:
    done = run_cli(["env", "-p", "tricky", "--format", fmt, *extra], env=world.env())
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["sh", "bash", "dash"])
def test_env_evaluated_by_a_real_shell_sets_the_stored_values(
    world: World, tricky: dict[str, str], shell: str
) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    names = list(tricky)
    script = 'eval "$(openscale-creds env -p tricky --format env)"; printf "%s\\0" ' + " ".join(
        f'"${n}"' for n in names
    )
    env = {**os.environ, **world.env(), "PATH": f"{INSTALLED.parent}{os.pathsep}/usr/bin:/bin"}
    done = subprocess.run([shell, "-c", script], env=env, capture_output=True, check=True, timeout=60)
    values = done.stdout.decode("utf-8").split("\0")[:-1]
    assert dict(zip(names, values, strict=True)) == tricky
    assert len(created(world)) == 1  # env created nothing


def test_env_powershell_cmd_and_fish_set_the_stored_values(world: World, tricky: dict[str, str]) -> None:
    assert powershell_run_assignments(env_text(world, "powershell")) == tricky
    cmd = env_text(world, "cmd").split("\n")
    assert cmd[0] == "@chcp 65001 >nul"
    assert cmd_run_set_lines("\n".join(cmd[1:]), {}) == tricky
    assert fish_run_assignments(env_text(world, "fish")) == tricky


def test_env_dotenv_json_and_yaml_carry_the_stored_values(world: World, tricky: dict[str, str]) -> None:
    dotenv = env_text(world, "dotenv").encode("utf-8")
    assert sdk_read_credential_file(dotenv, "WATSONX") == {"APIKEY": TRICKY_KEY, "REGION": "us-south"}
    assert json.loads(env_text(world, "json"))["apikey"] == TRICKY_KEY
    assert yaml.safe_load(env_text(world, "yaml"))["instance_guid"] == INSTANCE_GUID


def test_env_defaults_to_the_shell_named_by_the_shell_option(world: World, tricky: dict[str, str]) -> None:
    done = run_cli(["--shell", "powershell", "env", "-p", "tricky"], env=world.env())
    assert powershell_run_assignments(done.stdout) == tricky


def test_env_of_a_missing_profile_exits_5_naming_setup(world: World) -> None:
    done = run_cli(["env", "-p", "nosuch"], env=world.env())
    assert done.returncode == 5
    assert (
        "no profile 'nosuch'" in done.stderr
        and "`openscale-creds setup NAME_OR_GUID -p nosuch`" in done.stderr
    )
    assert done.stdout == ""


def test_the_profile_comes_from_the_environment_when_p_is_not_given(world: World) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    done = run_cli(["env", "--format", "json"], env={**world.env(), "OPENSCALE_CREDS_PROFILE": "prod"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["instance_guid"] == INSTANCE_GUID
    assert profiles(world)["prod"]["current"] is False  # `list` runs without the variable here


# --- exec -----------------------------------------------------------------------------------------

PRINT_ENV_AND_ARGV = (
    "import json, os, sys; "
    "cmdline = open('/proc/self/cmdline', 'rb').read().decode('utf-8', 'replace') "
    "if os.path.exists('/proc/self/cmdline') else ' '.join(sys.argv); "
    "names = ('AI_', 'WATSONX_', 'WXG_'); "
    "print(json.dumps({'env': {k: v for k, v in os.environ.items() if k.startswith(names)}, "
    "'argv': sys.argv, 'cmdline': cmdline}))"
)


def test_exec_gives_the_child_the_variables_and_no_argv_holds_the_key(
    world: World, tricky: dict[str, str]
) -> None:
    done = run_cli(
        ["exec", "-p", "tricky", "--", sys.executable, "-c", PRINT_ENV_AND_ARGV, "x y"], env=world.env()
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["env"] == tricky
    assert seen["argv"] == ["-c", "x y"]
    assert TRICKY_KEY not in seen["cmdline"] and TRICKY_KEY not in json.dumps(seen["argv"])
    assert all(TRICKY_KEY not in json.dumps(argv) for argv in world.argvs())
    assert len(created(world)) == 1


def test_exec_without_dashes_passes_the_commands_own_options_through(
    world: World, tricky: dict[str, str]
) -> None:
    done = run_cli(["exec", "-p", "tricky", sys.executable, "-c", PRINT_ENV_AND_ARGV], env=world.env())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["env"]["WXG_SERVICE_INSTANCE_ID"] == INSTANCE_GUID


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ([sys.executable, "-c", "pass"], 0),
        ([sys.executable, "-c", "raise SystemExit(3)"], 3),
        (["no-such-command-xyz"], 127),
        ([], 2),
    ],
    ids=["0", "3", "127-not-found", "2-no-command"],
)
def test_exec_exits_with_the_commands_code_or_as_a_shell_would(
    world: World, tricky: dict[str, str], command: list[str], code: int
) -> None:
    done = run_cli(["exec", "-p", "tricky", "--", *command], env=world.env())
    assert done.returncode == code, done.stderr
    if code in (127, 2):
        assert done.stderr.count("\n") == 1  # one line, naming the cause


def test_exec_of_a_file_that_cannot_run_exits_126(
    world: World, tricky: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    script.chmod(0o644)
    done = run_cli(["exec", "-p", "tricky", "--", str(script)], env=world.env())
    assert done.returncode == 126
    assert "permission denied" in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_exec_lets_sigterm_and_ctrl_c_reach_the_command(
    world: World, tricky: dict[str, str], tmp_path: Path, signame: str
) -> None:
    ready = tmp_path / "ready"
    child = (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.{signame}, lambda *a: (print('got {signame}', flush=True), sys.exit(42)))\n"
        f"pathlib.Path({str(ready)!r}).write_text('x')\n"
        "time.sleep(30)\n"
        "sys.exit(0)\n"
    )
    env = {**os.environ, **world.env(), "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD)}
    proc = subprocess.Popen(
        [str(INSTALLED), "exec", "-p", "tricky", "--", sys.executable, "-c", child],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 42, err
    assert out == f"got {signame}\n"


def test_runner_run_child_returns_the_exit_code_and_passes_argv_as_a_list(tmp_path: Path) -> None:
    """The Windows path of exec (a child, waited for), run here: argv is a list, no shell in between."""
    from openscale_creds import runner

    code = runner.run_child(
        [
            sys.executable,
            "-c",
            "import os, sys; sys.exit(7 if sys.argv[1] == 'a b;c' and os.environ['X'] == '1' else 1)",
            "a b;c",
        ],
        {**os.environ, "X": "1"},
    )
    assert code == 7


# --- list -----------------------------------------------------------------------------------------


def test_list_shows_each_profile_where_its_secret_is_and_the_current_one_never_the_key(
    world: World, tmp_path: Path
) -> None:
    assert setup(world).returncode == 0
    assert setup(world, "-p", "files", "--out", str(tmp_path / "c.json")).returncode == 0
    assert setup(world, "-p", "shown", "--out", "-").returncode == 0
    done = run_cli(["list"], env={**world.env(), "OPENSCALE_CREDS_PROFILE": "files"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "INSTANCE", "GUID"]
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {"default", "files", "shown"}
    assert rows["files"].startswith("*")
    assert "plain file" in rows["default"] and f"file {tmp_path / 'c.json'}" in rows["files"]
    assert "printed, not kept" in rows["shown"]
    assert stored_key(tmp_path / "home") not in done.stdout + done.stderr
    doc = json.loads(run_cli(["list", "--format", "json"], env=world.env()).stdout)
    assert {row["name"]: row["current"] for row in doc} == {"default": True, "files": False, "shown": False}
    assert all("apikey" not in row for row in doc)


def test_list_verify_says_ok_rejected_and_instance_gone(world: World, tmp_path: Path) -> None:
    assert setup(world, "-p", "good").returncode == 0
    assert setup(world, "-p", "dead").returncode == 0
    assert setup(world, "-p", "gone", "--out", str(tmp_path / "gone.json")).returncode == 0
    dead_id = profiles(world)["dead"]["api_key_id"]
    delete_by_hand(world, dead_id)
    gone = json.loads((tmp_path / "gone.json").read_text(encoding="utf-8"))
    for name in ("instance_guid", "service_instance_id", "data_mart_id"):
        gone[name] = "00000000-0000-4000-8000-00000000dead"
    (tmp_path / "gone.json").write_text(json.dumps(gone), encoding="utf-8")
    # The profile must agree with its file, so it follows the edited file's instance.
    code = (
        "from openscale_creds import store\n"
        "s = store.ProfileStore(); p = s.get('gone')\n"
        "import dataclasses\n"
        "s.save(dataclasses.replace(p, instance_guid='00000000-0000-4000-8000-00000000dead'))\n"
    )
    subprocess.run([sys.executable, "-c", code], env={**os.environ}, check=True)
    done = run_cli(["list", "--verify", "--format", "json"], env=world.env())
    assert done.returncode == 0, done.stderr
    status = {row["name"]: row["status"] for row in json.loads(done.stdout)}
    assert status == {"dead": "rejected", "gone": "instance gone", "good": "ok"}


# --- remove ---------------------------------------------------------------------------------------


def test_remove_deletes_the_key_by_id_then_the_profile_and_the_key_no_longer_logs_in(
    world: World, tmp_path: Path
) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    row = profiles(world)["prod"]
    key = stored_key(tmp_path / "home", "prod")
    done = run_cli(["remove", "-p", "prod"], env=world.env())
    assert done.returncode == 0, done.stderr
    assert ["iam", "api-key-delete", row["api_key_id"], "-f"] in world.argvs()
    assert not logs_in(world, key, tmp_path)
    assert "prod" not in profiles(world)
    assert (
        "prod"
        not in json.loads(
            (tmp_path / "home" / ".config" / "openscale-creds" / "secrets.json").read_text(encoding="utf-8")
        )["apikeys"]
    )
    assert key not in done.stdout + done.stderr


def test_remove_needs_the_profile_named(world: World) -> None:
    done = run_cli(["remove"], env={**world.env(), "OPENSCALE_CREDS_PROFILE": "default"})
    assert done.returncode == 2
    assert "--profile" in done.stderr


def test_remove_of_a_key_already_gone_keeps_everything_and_names_keep_key(
    world: World, tmp_path: Path
) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    key_id = profiles(world)["prod"]["api_key_id"]
    delete_by_hand(world, key_id)
    done = run_cli(["remove", "-p", "prod"], env=world.env())
    assert done.returncode == 5
    assert key_id in done.stderr and "--keep-key" in done.stderr and "nothing was removed" in done.stderr
    assert "prod" in profiles(world)
    kept = run_cli(["remove", "-p", "prod", "--keep-key"], env=world.env())
    assert kept.returncode == 0, kept.stderr
    assert "prod" not in profiles(world)


def test_remove_of_a_printed_key_deletes_it_with_the_users_session(world: World, tmp_path: Path) -> None:
    done = setup(world, "-p", "shown", "--out", "-", "--format", "json")
    key_id = json.loads(done.stdout)["api_key_id"]
    log_in(world)
    removed = run_cli(["remove", "-p", "shown"], env=world.env())
    assert removed.returncode == 0, removed.stderr
    assert deleted_ids(world) == [key_id]
    assert key_id not in live_key_ids(world, tmp_path)


def test_remove_keep_key_leaves_the_key_working(world: World, tmp_path: Path) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    key = stored_key(tmp_path / "home", "prod")
    done = run_cli(["remove", "-p", "prod", "--keep-key"], env=world.env())
    assert done.returncode == 0, done.stderr
    assert deleted_ids(world) == []
    assert logs_in(world, key, tmp_path)
    assert "still exists" in done.stderr


# --- api-key list / delete -------------------------------------------------------------------------


def test_api_key_list_marks_tracked_file_and_untracked_keys(world: World, tmp_path: Path) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    out = tmp_path / "c.yaml"
    assert setup(world, "-p", "files", "--out", str(out)).returncode == 0
    log_in(world)
    made = run_cli(["api-key", "create", "by-hand", "--file", str(tmp_path / "k.json")], env=world.env())
    assert made.returncode == 0, made.stderr
    done = run_cli(["api-key", "list", "--format", "json"], env=world.env())
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    rows = {row["name"]: row for row in listed}
    ids = profiles(world)
    by_id = {row["id"]: row for row in listed}  # two keys made in one second share a default name
    assert by_id[ids["prod"]["api_key_id"]]["held_by"] == "profile prod"
    assert by_id[ids["files"]["api_key_id"]]["held_by"] == f"profile files (file {out})"
    assert by_id[ids["files"]["api_key_id"]]["files"] == [str(out)]
    assert rows["by-hand"]["held_by"] == "untracked" and rows["by-hand"]["created_by_openscale_creds"]
    assert rows["demo-key"]["held_by"] == "untracked" and not rows["demo-key"]["created_by_openscale_creds"]
    text = run_cli(["api-key", "list"], env=world.env()).stdout
    assert "profile prod" in text and "untracked" in text
    assert all("apikey" not in row for row in json.loads(done.stdout))
    assert DEMO_KEY not in done.stdout


def test_api_key_delete_without_a_terminal_needs_yes(world: World) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    key_id = profiles(world)["prod"]["api_key_id"]
    done = run_cli(["api-key", "delete", key_id], env=world.env())
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert deleted_ids(world) == []


def test_api_key_delete_yes_deletes_and_drops_the_profile_that_held_it(world: World, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    assert setup(world, "-p", "files", "--out", str(out)).returncode == 0
    row = profiles(world)["files"]
    log_in(world)
    done = run_cli(["api-key", "delete", row["api_key_name"], "--yes"], env=world.env())
    assert done.returncode == 0, done.stderr
    assert deleted_ids(world) == [row["api_key_id"]]
    assert "files" not in profiles(world)
    assert f"{out} still holds the deleted key" in done.stderr


def test_api_key_delete_asks_at_a_terminal(world: World) -> None:
    pexpect = pytest.importorskip("pexpect")
    assert setup(world, "-p", "prod").returncode == 0
    key_id = profiles(world)["prod"]["api_key_id"]
    log_in(world)
    env = {**os.environ, **world.env(), "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD)}
    child = pexpect.spawn(
        str(INSTALLED), ["api-key", "delete", key_id], env=env, encoding="utf-8", echo=False, timeout=30
    )
    child.expect(r"Delete API key .*held by profile prod\? \[y/N\] ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 10
    assert deleted_ids(world) == []
    child = pexpect.spawn(
        str(INSTALLED), ["api-key", "delete", key_id], env=env, encoding="utf-8", echo=False, timeout=30
    )
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert deleted_ids(world) == [key_id]


def test_api_key_delete_of_an_unknown_key_exits_5(world: World) -> None:
    log_in(world)
    done = run_cli(["api-key", "delete", "no-such-key", "--yes"], env=world.env())
    assert done.returncode == 5


# --- verify, rotate and ids with -p -----------------------------------------------------------------


def test_verify_and_rotate_a_profile_leave_no_old_key_alive(world: World, tmp_path: Path) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    old = profiles(world)["prod"]
    old_key = stored_key(tmp_path / "home", "prod")
    assert run_cli(["verify", "-p", "prod"], env=world.env()).returncode == 0
    done = run_cli(["rotate", "-p", "prod"], env=world.env())
    assert done.returncode == 0, done.stderr
    new = profiles(world)["prod"]
    new_key = stored_key(tmp_path / "home", "prod")
    assert new["api_key_id"] != old["api_key_id"] and new_key != old_key
    assert deleted_ids(world) == [old["api_key_id"]]
    assert old["api_key_id"] not in live_key_ids(world, tmp_path)
    assert not logs_in(world, old_key, tmp_path)
    assert run_cli(["verify", "-p", "prod"], env=world.env()).returncode == 0
    assert old_key not in done.stdout + done.stderr and new_key not in done.stdout + done.stderr


def test_rotate_a_profile_whose_new_key_fails_verification_keeps_the_old_key(
    world: World, tmp_path: Path
) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    old = profiles(world)["prod"]
    old_key = stored_key(tmp_path / "home", "prod")
    env = world.env(FAKE_IBMCLOUD_FAULT="crash", FAKE_IBMCLOUD_FAULT_ON="resource service-instance")
    done = run_cli(["rotate", "-p", "prod"], env=env)
    assert done.returncode != 0
    assert stored_key(tmp_path / "home", "prod") == old_key
    assert profiles(world)["prod"]["api_key_id"] == old["api_key_id"]
    new_id = created(world)[-1]
    assert "keeps its old key" in done.stderr
    assert len(deleted_ids(world)) == 1 and deleted_ids(world)[0] != old["api_key_id"]
    assert new_id


def test_verify_of_a_profile_whose_key_was_deleted_exits_4(world: World) -> None:
    assert setup(world, "-p", "prod").returncode == 0
    key_id = profiles(world)["prod"]["api_key_id"]
    delete_by_hand(world, key_id)
    done = run_cli(["verify", "-p", "prod"], env=world.env())
    assert done.returncode == 4
    assert "rejected" in done.stderr


SUFFIXES = {"yaml": "yaml", "json": "json", "env": "sh", "powershell": "ps1", "cmd": "cmd", "fish": "fish"}


@pytest.mark.parametrize("fmt", [*SUFFIXES, "dotenv"])
def test_verify_and_rotate_every_file_format_and_the_profile_follows_the_file(
    world: World, tmp_path: Path, fmt: str
) -> None:
    from openscale_creds import credentials

    out = tmp_path / ("ibm-credentials.env" if fmt == "dotenv" else f"creds.{SUFFIXES[fmt]}")
    assert setup(world, "-p", "filed", "--out", str(out)).returncode == 0
    old, own = credentials.load_file(out)
    assert own == fmt
    assert run_cli(["verify", str(out)], env=world.env()).returncode == 0
    assert run_cli(["verify", "-p", "filed"], env=world.env()).returncode == 0
    done = run_cli(["rotate", str(out)], env=world.env())
    assert done.returncode == 0, done.stderr
    new, kept = credentials.load_file(out)
    assert kept == fmt  # the file's own format
    assert new.apikey != old.apikey and new.api_key_id != old.api_key_id
    assert profiles(world)["filed"]["api_key_id"] == new.api_key_id  # the profile follows the file
    assert old.api_key_id not in live_key_ids(world, tmp_path)
    assert run_cli(["verify", "-p", "filed"], env=world.env()).returncode == 0


def test_rotate_p_of_a_profile_kept_in_a_file_rotates_that_file(world: World, tmp_path: Path) -> None:
    out = tmp_path / "creds.json"
    assert setup(world, "-p", "filed", "--out", str(out)).returncode == 0
    old_id = json.loads(out.read_text(encoding="utf-8"))["api_key_id"]
    done = run_cli(["rotate", "-p", "filed"], env=world.env())
    assert done.returncode == 0, done.stderr
    new_id = json.loads(out.read_text(encoding="utf-8"))["api_key_id"]
    assert new_id != old_id and profiles(world)["filed"]["api_key_id"] == new_id
    assert deleted_ids(world) == [old_id]


def test_a_file_and_a_profile_together_are_a_usage_error(world: World, tmp_path: Path) -> None:
    for command in ("verify", "rotate"):
        done = run_cli([command, str(tmp_path / "c.json"), "-p", "prod"], env=world.env())
        assert done.returncode == 2
        assert "not both" in done.stderr


@pytest.fixture
def server() -> Iterator[Any]:
    from openscale_server import running_server

    with running_server() as s:
        yield s


def test_ids_reads_the_key_of_a_profile(world: World, server: Any) -> None:
    from openscale_server import DATA_MART_ID, FAKE_APIKEY, FAKE_TOKEN

    code = (
        "from openscale_creds import store\n"
        "from openscale_creds.credentials import Credentials\n"
        f"c = Credentials(apikey={FAKE_APIKEY!r}, instance_guid={DATA_MART_ID!r}, url={server.url!r})\n"
        "store.ProfileStore(store='file').save(store.Profile.from_credentials('srv', c), c.apikey)\n"
    )
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ), check=True, capture_output=True)
    env = {**world.env(), "OPENSCALE_CREDS_IAM_URL": server.iam_url}
    done = run_cli(["ids", "-p", "srv", "--field", "data_mart_id"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{DATA_MART_ID}\n"
    assert FAKE_APIKEY not in done.stderr and FAKE_TOKEN not in done.stdout + done.stderr
    by_env = run_cli(["ids", "--field", "data_mart_id"], env={**env, "OPENSCALE_CREDS_PROFILE": "srv"})
    assert by_env.stdout == f"{DATA_MART_ID}\n"
