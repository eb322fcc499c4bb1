"""Fault injection, end to end: the installed `openscale-creds`, the fake `ibmcloud` misbehaving on request,
real processes, real signals, real files.

Every failure must end in the documented exit code with a one-line cause (never a traceback), leave no
`ibmcloud` process behind, and never lose or half-write a credentials file.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from _e2e import DEMO_ACCOUNT, DEMO_KEY, INSTANCE, INSTANCE_GUID, PASSCODES, UNICODE_INSTANCE, World
from _faults_helpers import (
    Running,
    alive,
    arrived,
    create_calls,
    fake_pids,
    keys_created,
    kill_quietly,
    leftovers,
    one_line_cause,
    read_pid,
    release,
    saved_raw_output,
    scripted_ibmcloud,
    survivors,
    wait_until,
    write_hook_env,
)
from conftest import FAKE_IBMCLOUD, INSTALLED, Result, run_cli

# Process groups, POSIX signals and modes, /proc: the Windows side is covered by the unit layers.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process and file semantics")

OPENSCALE_URL = "https://api.aiopenscale.cloud.ibm.com"
TIMEOUT = 1.0  # --timeout for the hang tests: a normal fake call takes about 0.15 s


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture
def pidfile(tmp_path: Path) -> Iterator[Path]:
    """Where a `hang` fault writes its grandchild's pid. Whatever a failing test leaves running (the
    grandchild, a fake that hangs forever) is killed afterwards, so one failure does not leak processes."""
    path = tmp_path / "grandchild.pid"
    yield path
    kill_quietly(pid for pid in [*fake_pids(World(tmp_path)), read_pid(path) or 0] if pid and alive(pid))


def env_for(world: World, **extra: str) -> dict[str, str]:
    """The fake's state and log in this test's folder; TMPDIR too, so a saved raw output can be found."""
    tmp = world.tmp / "tmp"
    tmp.mkdir(exist_ok=True)
    return {**world.env(**extra), "TMPDIR": str(tmp)}


def log_in(world: World) -> None:
    """Leave the fake with a session (no resource group targeted), as `ibmcloud login` would."""
    done = run_cli(["login"], env=env_for(world, IBMCLOUD_API_KEY=DEMO_KEY))
    assert done.returncode == 0, done.stderr


def setup_args(out: Path, *extra: str) -> list[str]:
    return ["setup", "--instance", INSTANCE, "--group", "Default", "--out", str(out), *extra]


def sso_setup_args(out: Path) -> list[str]:
    return [
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
    ]


def logged_calls(world: World, *words: str) -> int:
    return sum(1 for argv in world.argvs() if argv[: len(words)] == list(words))


def hanging_call_started(world: World, words: str) -> float:
    """Wait until the fake logged the call that will hang; returns that moment (monotonic)."""
    wanted = words.split()
    wait_until(f"`ibmcloud {words}`", lambda: any(a[: len(wanted)] == wanted for a in world.argvs()))
    return time.monotonic()


def no_process_left(world: World, pidfile: Path) -> None:
    grandchild = read_pid(pidfile)
    assert grandchild is not None, "the hang fault never started its grandchild"
    left = survivors([*fake_pids(world), grandchild])
    assert left == [], f"still running: {left}"


# --- ibmcloud hangs ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "fault_on", "step"),
    [
        ("instance", "resource service-instances", "listing service instances"),
        ("login", "login", "logging in with the API key"),
        ("setup", "iam api-key-create", "creating API key"),
    ],
)
def test_a_hanging_ibmcloud_is_stopped_at_the_timeout_with_its_whole_process_tree(
    world: World, pidfile: Path, command: str, fault_on: str, step: str
) -> None:
    out = world.tmp / "creds.yaml"
    args = {
        "instance": ["instance", INSTANCE, "--field", "guid"],
        "login": ["login"],
        "setup": setup_args(out),
    }[command]
    env = env_for(
        world,
        IBMCLOUD_API_KEY=DEMO_KEY,
        FAKE_IBMCLOUD_FAULT="hang",
        FAKE_IBMCLOUD_FAULT_ON=fault_on,
        FAKE_IBMCLOUD_PIDFILE=str(pidfile),
    )
    run = Running(["--timeout", str(TIMEOUT), *args], env)
    hung_at = hanging_call_started(world, fault_on)
    code = run.finish()
    stopped_after = time.monotonic() - hung_at
    assert code == 9, run.stderr
    assert stopped_after <= TIMEOUT + 1.0
    cause = one_line_cause(run.stderr)
    assert step in cause and f"within {TIMEOUT:g} s" in cause
    assert run.stdout == ""
    no_process_left(world, pidfile)
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("driver", ["pty", "pipe"])
def test_sso_login_that_stops_answering_after_the_code_times_out_and_leaves_no_process(
    world: World, pidfile: Path, driver: str
) -> None:
    env = env_for(
        world,
        OPENSCALE_CREDS_DRIVER=driver,
        FAKE_IBMCLOUD_FAULT="hang-after-answer",
        FAKE_IBMCLOUD_PIDFILE=str(pidfile),
    )
    args = ["login", "--sso", "--passcode-stdin", "--account", DEMO_ACCOUNT["guid"], "--no-region"]
    run = Running(["--timeout", str(TIMEOUT), *args], env, keep_stdin_open=True)
    run.wait_for_stderr("identity/passcode")
    run.send(PASSCODES[0] + "\n")
    answered_at = time.monotonic()
    code = run.finish()
    assert code == 9, run.stderr
    assert time.monotonic() - answered_at <= TIMEOUT + 1.0
    assert "after sending the one-time code" in one_line_cause(run.stderr)
    assert PASSCODES[0] not in run.stderr
    no_process_left(world, pidfile)


@pytest.mark.slow
@pytest.mark.parametrize("driver", ["pty", "pipe"])
def test_the_time_a_person_takes_to_type_the_code_does_not_count_against_the_timeout(
    world: World, driver: str
) -> None:
    env = env_for(world, OPENSCALE_CREDS_DRIVER=driver)
    args = ["login", "--sso", "--passcode-stdin", "--account", DEMO_ACCOUNT["guid"], "--no-region"]
    run = Running(["--timeout", str(TIMEOUT), *args], env, keep_stdin_open=True)
    run.wait_for_stderr("identity/passcode")
    time.sleep(TIMEOUT + 0.5)  # the person is still fetching the code
    run.send(PASSCODES[1] + "\n")
    assert run.finish() == 0, run.stderr


# --- ibmcloud prints something odd ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["notice", "ok-before-json", "color", "crlf", "bom", "invalid-utf8"])
def test_setup_reads_through_noise_in_every_ibmcloud_output(world: World, fault: str) -> None:
    out = world.tmp / "creds.yaml"
    # The fault bends every call: the login table, the instance JSON and the new key's JSON. Bytes that
    # are not UTF-8 land in the first instance's name, which a name lookup cannot match: the GUID can.
    args = setup_args(out)
    if fault == "invalid-utf8":
        args[args.index(INSTANCE)] = INSTANCE_GUID
    done = run_cli(args, env=env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_FAULT=fault))
    assert done.returncode == 0, done.stderr
    creds = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert creds["apikey"] == keys_created(world)[-1]["apikey"]
    assert creds["instance_guid"] == INSTANCE_GUID
    assert creds["url"] == OPENSCALE_URL
    assert leftovers(world.tmp / "tmp") == []  # nothing was mistaken for unreadable output


@pytest.mark.parametrize(
    ("fault", "codes"),
    [
        ("crash", {8}),
        ("truncated-json", {7}),
        ("empty", {7}),
        ("garbage", {7}),
        ("incorrect-usage", {8}),
        ("failed-exit0", {8}),
        # A German `not logged in`: exit 4 if the tool understands it, else 8 with the message shown.
        ("failed-de", {4, 8}),
        ("expired", {4}),
    ],
)
def test_a_broken_instance_lookup_exits_with_its_documented_code_and_one_line(
    world: World, fault: str, codes: set[int]
) -> None:
    log_in(world)
    done = run_cli(
        ["instance", INSTANCE, "--field", "guid"],
        env=env_for(world, FAKE_IBMCLOUD_FAULT=fault, FAKE_IBMCLOUD_FAULT_ON="resource service-instances"),
    )
    assert done.returncode in codes, done.stderr
    assert done.stdout == ""
    assert "resource service-instances" in one_line_cause(done.stderr)
    if fault == "failed-de":
        assert "Nicht angemeldet" in done.stderr
    if fault == "expired":
        assert "openscale-creds login" in done.stderr


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        # ibmcloud died or failed for its own reasons: the key was not rejected, so not exit 4.
        ("crash", 8),
        ("incorrect-usage", 8),
        ("failed-exit0", 8),
        ("empty", 7),
        ("garbage", 7),
    ],
)
def test_a_broken_api_key_login_is_not_reported_as_a_rejected_key(
    world: World, fault: str, code: int
) -> None:
    done = run_cli(
        ["login"],
        env=env_for(
            world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_FAULT=fault, FAKE_IBMCLOUD_FAULT_ON="login"
        ),
    )
    assert done.returncode == code, done.stderr
    cause = one_line_cause(done.stderr)
    assert "login" in cause
    assert "check the key" not in cause


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("FEHLGESCHLAGEN", "Interner Serverfehler."),
        ("ECHEC", "Erreur interne du serveur."),
        ("失敗", "内部サーバー・エラー。"),
        ("失败", "内部服务器错误。"),
    ],
)
def test_a_translated_failed_with_exit_code_0_is_a_failure(world: World, word: str, message: str) -> None:
    log_in(world)
    # A `Locale` in ibmcloud's config.json beats the LANG the tool sets, so translations do reach us.
    wrapper = scripted_ibmcloud(world.tmp)
    env = env_for(
        world,
        OPENSCALE_CREDS_IBMCLOUD=str(wrapper),
        SCRIPTED_ON="resource service-instances",
        SCRIPTED_STDERR=f"{word}\n{message}\n\n",
        SCRIPTED_CODE="0",
        SCRIPTED_COUNT_FILE=str(world.tmp / "scripted-count"),
    )
    done = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    assert done.returncode == 8, done.stderr
    assert done.stdout == ""
    assert message in one_line_cause(done.stderr)


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "code"), [("crash", 8), ("truncated-json", 7), ("garbage", 7)])
def test_a_broken_api_key_create_writes_no_credentials_file(world: World, fault: str, code: int) -> None:
    out = world.tmp / "creds.yaml"
    env = env_for(
        world,
        IBMCLOUD_API_KEY=DEMO_KEY,
        FAKE_IBMCLOUD_FAULT=fault,
        FAKE_IBMCLOUD_FAULT_ON="iam api-key-create",
    )
    done = run_cli(setup_args(out), env=env)
    assert done.returncode == code, done.stderr
    assert "iam api-key-create" in one_line_cause(done.stderr)
    assert not out.exists()
    assert leftovers(world.tmp, keep={"creds.yaml", "fake-log.jsonl", "fake-state", "tmp", "home"}) == []


# --- unrecognised output is saved for a bug report --------------------------------------------------


def test_unrecognised_output_is_saved_privately_with_secrets_masked_and_its_path_printed(
    world: World,
) -> None:
    log_in(world)
    surprise = (
        "Surprise: this is not what ibmcloud prints\n"
        '{"apikey": "fake-leaked-key-0000000000"}\n'
        "Authorization: Bearer eyJfake.leaked.signature\n"
    )
    env = env_for(
        world,
        OPENSCALE_CREDS_IBMCLOUD=str(scripted_ibmcloud(world.tmp)),
        SCRIPTED_ON="resource service-instances",
        SCRIPTED_STDOUT=surprise,
        SCRIPTED_COUNT_FILE=str(world.tmp / "scripted-count"),
    )
    done = run_cli(["instance", INSTANCE], env=env)
    assert done.returncode == 7, done.stderr
    one_line_cause(done.stderr)
    saved = saved_raw_output(done.stderr)
    assert saved is not None and saved.parent == world.tmp / "tmp"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    text = saved.read_text(encoding="utf-8")
    # The command line is quoted as for sh, so a name with spaces reads back unambiguously.
    assert text.startswith("$ ibmcloud resource service-instances --all-resource-groups --output json\n")
    assert "Surprise: this is not what ibmcloud prints" in text
    for secret in ("fake-leaked-key", "eyJfake"):
        assert secret not in text and secret not in done.stderr


@pytest.mark.slow
def test_a_new_key_cut_off_mid_value_is_masked_in_the_saved_output(world: World) -> None:
    # A key long enough that the truncation falls inside its value: no closing quote follows it.
    key = "fakeSecretValue" + "Z" * 1500
    env = env_for(
        world,
        IBMCLOUD_API_KEY=DEMO_KEY,
        FAKE_IBMCLOUD_NEW_APIKEY=key,
        FAKE_IBMCLOUD_FAULT="truncated-json",
        FAKE_IBMCLOUD_FAULT_ON="iam api-key-create",
    )
    done = run_cli(setup_args(world.tmp / "creds.yaml"), env=env)
    assert done.returncode == 7, done.stderr
    saved = saved_raw_output(done.stderr)
    assert saved is not None
    text = saved.read_text(encoding="utf-8")
    assert '"apikey": "' in text  # the cut is inside the key's value
    assert "fakeSecretValue" not in text and "ZZZZZZZZ" not in text
    assert "fakeSecretValue" not in done.stderr


def test_a_truncated_bearer_token_is_masked_in_the_saved_output(world: World) -> None:
    log_in(world)
    env = env_for(world, FAKE_IBMCLOUD_FAULT="truncated-json", FAKE_IBMCLOUD_FAULT_ON="iam oauth-tokens")
    done = run_cli(["ids", "--instance", INSTANCE], env=env)
    assert done.returncode == 7, done.stderr
    saved = saved_raw_output(done.stderr)
    assert saved is not None
    text = saved.read_text(encoding="utf-8")
    assert '"iam_token": "' in text  # the cut is inside the token
    assert "***" in text
    assert "eyJ" not in text and "eyJ" not in done.stderr


# --- the session expires mid-flow -------------------------------------------------------------------


def expiry_env(world: World, how: str, *, times: int | None = None) -> dict[str, str]:
    """`resource service-instance` reports an expired session: the first `times` calls, or every one."""
    limit = {} if times is None else {"FAKE_IBMCLOUD_FAULT_TIMES": str(times), "SCRIPTED_TIMES": str(times)}
    if how == "login token is expired":
        return env_for(
            world, FAKE_IBMCLOUD_FAULT="expired", FAKE_IBMCLOUD_FAULT_ON="resource service-instances", **limit
        )
    # Only the phrase is known (ocs-ci logs in again when an error contains it); the rest is a guess.
    return env_for(
        world,
        OPENSCALE_CREDS_IBMCLOUD=str(scripted_ibmcloud(world.tmp)),
        SCRIPTED_ON="resource service-instances",
        SCRIPTED_STDERR="FAILED\nPlease login.\n\n",
        SCRIPTED_CODE="1",
        SCRIPTED_COUNT_FILE=str(world.tmp / "scripted-count"),
        **limit,
    )


EXPIRY = ["login token is expired", "please login"]


@pytest.mark.slow
@pytest.mark.parametrize("how", EXPIRY)
def test_setup_logs_in_again_once_when_the_session_expires_and_continues(world: World, how: str) -> None:
    out = world.tmp / "creds.yaml"
    env = {**expiry_env(world, how, times=1), "IBMCLOUD_API_KEY": DEMO_KEY}
    done = run_cli(setup_args(out), env=env)
    assert done.returncode == 0, done.stderr
    assert logged_calls(world, "login") == 2
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["instance_guid"] == INSTANCE_GUID


@pytest.mark.parametrize("how", EXPIRY)
def test_a_session_that_stays_expired_exits_4_after_exactly_one_new_login(world: World, how: str) -> None:
    env = {**expiry_env(world, how), "IBMCLOUD_API_KEY": DEMO_KEY}
    done = run_cli(["instance", INSTANCE, "--field", "guid"], env=env)
    assert done.returncode == 4, done.stderr
    assert logged_calls(world, "login") == 1  # the one renewal; the command itself needs no login
    assert "openscale-creds login" in one_line_cause(done.stderr)


@pytest.mark.parametrize("how", EXPIRY)
def test_an_expired_session_without_a_credential_exits_4_with_the_fix(world: World, how: str) -> None:
    log_in(world)
    logins = logged_calls(world, "login")
    done = run_cli(setup_args(world.tmp / "creds.yaml"), env=expiry_env(world, how))
    assert done.returncode == 4, done.stderr
    assert "openscale-creds login" in one_line_cause(done.stderr)
    assert logged_calls(world, "login") == logins
    assert create_calls(world) == 0


# --- Ctrl-C at each step of setup -------------------------------------------------------------------


def assert_interrupted_cleanly(run: Running, code: int, world: World, out: Path) -> None:
    assert code == 130, run.stderr
    assert "interrupted" in run.stderr
    assert "Traceback" not in run.stderr
    assert leftovers(out.parent, keep={out.name}) == []  # no temp file beside the output
    assert leftovers(world.tmp / "tmp") == []  # no raw-output dump, no private IBMCLOUD_HOME


@pytest.mark.slow
@pytest.mark.parametrize(
    "step", ["login", "sso waiting for the code", "sso after the code", "session lookup", "instance lookup"]
)
def test_ctrl_c_before_a_key_exists_stops_everything_and_writes_nothing(
    world: World, pidfile: Path, step: str
) -> None:
    out_dir = world.tmp / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    hang = {"FAKE_IBMCLOUD_FAULT": "hang", "FAKE_IBMCLOUD_PIDFILE": str(pidfile)}
    with_key = {"IBMCLOUD_API_KEY": DEMO_KEY}
    if step == "login":
        run = Running(setup_args(out), env_for(world, **with_key, FAKE_IBMCLOUD_FAULT_ON="login", **hang))
    elif step == "session lookup":
        log_in(world)  # the user's session: setup's first call is the lookup, scoped by `-g`
        args = ["setup", "--instance", INSTANCE, "--group", "AI Lab", "--out", str(out)]
        run = Running(args, env_for(world, FAKE_IBMCLOUD_FAULT_ON="resource service-instances -g", **hang))
    elif step == "instance lookup":
        env = env_for(world, **with_key, FAKE_IBMCLOUD_FAULT_ON="resource service-instances", **hang)
        run = Running(setup_args(out), env)
    elif step == "sso after the code":
        env = env_for(world, **{**hang, "FAKE_IBMCLOUD_FAULT": "hang-after-answer"})
        run = Running(sso_setup_args(out), env, stdin_text=PASSCODES[2] + "\n")
    else:
        run = Running(sso_setup_args(out), env_for(world), keep_stdin_open=True)
    try:
        if step == "sso waiting for the code":
            run.wait_for_stderr("identity/passcode")
            wait_until("the fake to log its call", lambda: bool(world.calls()))
        else:
            wait_until("the fake to hang", lambda: read_pid(pidfile) is not None)
        run.interrupt()
    finally:
        code = run.finish(timeout=10)
    assert_interrupted_cleanly(run, code, world, out)
    assert not out.exists()
    assert create_calls(world) == 0
    grandchild = [] if step == "sso waiting for the code" else [read_pid(pidfile) or 0]
    assert survivors([*fake_pids(world), *grandchild]) == []


@pytest.mark.slow
def test_ctrl_c_while_the_key_is_created_exits_130_with_the_key_already_saved(world: World) -> None:
    out_dir = world.tmp / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    key = "fake-key-created-during-ctrl-c-0000000000"
    # Every call takes 0.8 s, so the Ctrl-C lands while `iam api-key-create` is still running.
    env = env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_LATENCY="0.8", FAKE_IBMCLOUD_NEW_APIKEY=key)
    run = Running(["--timeout", "10", *setup_args(out)], env)
    hanging_call_started(world, "iam api-key-create")
    run.interrupt()
    code = run.finish()
    assert_interrupted_cleanly(run, code, world, out)
    saved = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert saved["apikey"] == key
    # The interrupt says the key is safe, and where: not a bare "interrupted".
    assert f"the new API key {saved['api_key_name']} ({saved['api_key_id']}) was written to {out}" in (
        one_line_cause(run.stderr)
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert survivors(fake_pids(world)) == []


@pytest.mark.slow
def test_ctrl_c_while_the_file_is_written_exits_130_with_the_whole_file_in_place(world: World) -> None:
    out_dir = world.tmp / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    key = "fake-key-written-during-ctrl-c-00000000000"
    hook = world.tmp / "hook"
    env = {
        **env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_NEW_APIKEY=key),
        **write_hook_env(hook, out, "pause"),
    }
    run = Running(setup_args(out), env)
    try:
        wait_until("the write to start", lambda: bool(arrived(hook)))
        run.interrupt()
    finally:
        release(hook)
    code = run.finish()
    assert_interrupted_cleanly(run, code, world, out)
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["apikey"] == key


# --- two runs, one output file ----------------------------------------------------------------------


def two_setups_at_once(tmp_path: Path, out: Path, *extra: str) -> tuple[list[Running], list[str]]:
    """Two setups that reach the write at the same moment; keys of different lengths, so a writer that
    neither truncates nor replaces would leave the longer one's tail behind the shorter one."""
    hook = tmp_path / "hook"
    keys = ["fake-short-key-0000", "fake-long-key-" + "L" * 300]
    runs = []
    for name, key in zip("ab", keys, strict=True):
        # Each run has its own ibmcloud session and fake state: the fake itself is not made for
        # concurrent calls, and what is under test is the shared output file.
        world = World(tmp_path / name)
        world.tmp.mkdir()
        env = {
            **env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_NEW_APIKEY=key),
            "IBMCLOUD_HOME": str(world.tmp / "ibmcloud-home"),
            **write_hook_env(hook, out, "barrier:2"),
        }
        runs.append(Running(setup_args(out, *extra), env))
    for run in runs:
        run.finish()
    assert len(arrived(hook)) == 2, "the two writes did not overlap"
    return runs, keys


def assert_whole_file_of(out: Path, keys: list[str]) -> str:
    from openscale_creds import credentials

    text = out.read_text(encoding="utf-8")
    creds = credentials.load(text.encode("utf-8"))
    assert creds.apikey in keys
    assert credentials.render(creds, "yaml") == text  # whole: exactly what one run renders
    assert leftovers(out.parent, keep={out.name}) == []
    return creds.apikey


@pytest.mark.slow
def test_two_setups_forcing_the_same_file_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    out.write_text("old: credentials\n", encoding="utf-8")
    runs, keys = two_setups_at_once(tmp_path, out, "--force")
    assert [run.proc.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    assert_whole_file_of(out, keys)


@pytest.mark.slow
def test_two_setups_creating_the_same_file_at_once_one_wins_the_other_is_refused(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    runs, keys = two_setups_at_once(tmp_path, out)
    codes = sorted(run.proc.returncode for run in runs)
    assert codes == [0, 10], [run.stderr for run in runs]
    winner = assert_whole_file_of(out, keys)
    loser = next(run for run in runs if run.proc.returncode == 10)
    cause = one_line_cause(loser.stderr)
    assert "already exists" in cause and "could not be saved, so it was deleted" in cause
    assert winner not in loser.stderr


# --- unsafe output paths, a read-only folder, a full disk -------------------------------------------


def refused_before_any_key(world: World, out: Path, *extra: str) -> str:
    done = run_cli(setup_args(out, *extra), env=env_for(world, IBMCLOUD_API_KEY=DEMO_KEY))
    assert done.returncode == 10, done.stderr
    assert create_calls(world) == 0
    return one_line_cause(done.stderr)


def test_an_output_path_that_is_a_symlink_is_refused_even_with_force(world: World) -> None:
    real = world.tmp / "elsewhere.yaml"
    real.write_text("precious: yes\n", encoding="utf-8")
    link = world.tmp / "creds.yaml"
    link.symlink_to(real)
    assert "symbolic link" in refused_before_any_key(world, link, "--force")
    assert real.read_text(encoding="utf-8") == "precious: yes\n"
    assert link.is_symlink()


def test_a_dangling_symlink_as_output_path_is_refused_and_nothing_is_created(world: World) -> None:
    target = world.tmp / "not-yet" / "creds.yaml"
    link = world.tmp / "creds.yaml"
    link.symlink_to(target)
    assert "symbolic link" in refused_before_any_key(world, link)
    assert not target.parent.exists()


@pytest.mark.parametrize("mode", [0o777, 0o1777])
def test_an_output_folder_other_users_can_write_to_is_refused(world: World, mode: int) -> None:
    shared = world.tmp / "shared"
    shared.mkdir()
    earlier = shared / "creds.yaml"
    earlier.write_text("old: credentials\n", encoding="utf-8")
    shared.chmod(mode)
    if mode & stat.S_ISVTX:
        # A sticky folder like /tmp protects files from others only when the folder is ours.
        if os.geteuid() != 0:
            pytest.skip("making a folder owned by another user needs root")
        os.chown(shared, 65534, 65534)
    assert "other users can write to that folder" in refused_before_any_key(world, earlier, "--force")
    assert earlier.read_text(encoding="utf-8") == "old: credentials\n"


def test_a_read_only_output_folder_is_refused_before_a_key_is_created(tmp_path: Path) -> None:
    """Root ignores folder modes, so the tool runs as `nobody` here (setpriv), in a world-readable tree."""
    as_root = os.geteuid() == 0
    if as_root and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv to drop privileges")
    if as_root and not _nobody_can_run_the_installed_command():
        # A checkout under a private (0700) folder is out of nobody's reach; the read-only mount test
        # below covers the same refusal there.
        pytest.skip("user nobody cannot reach the installed command in this checkout")
    base = Path(tempfile.mkdtemp(prefix="openscale-creds-ro-test-"))
    try:
        base.chmod(0o755)
        owned = [base / "home", base / "state", base / "ro"]
        for folder in owned:
            folder.mkdir()
        earlier = base / "ro" / "creds.yaml"
        earlier.write_text("old: credentials\n", encoding="utf-8")
        earlier.chmod(0o600)
        if as_root:
            for path in [*owned, earlier]:
                os.chown(path, 65534, 65534)
        (base / "ro").chmod(0o500)
        env = {
            **os.environ,
            "HOME": str(base / "home"),
            "XDG_CONFIG_HOME": str(base / "home"),
            "IBMCLOUD_HOME": str(base / "home"),
            "TMPDIR": str(base / "state"),
            "FAKE_IBMCLOUD_STATE_DIR": str(base / "state"),
            "FAKE_IBMCLOUD_LOG": str(base / "state" / "log.jsonl"),
            "OPENSCALE_CREDS_IBMCLOUD": str(Path(__file__).parent / "fake_ibmcloud" / "ibmcloud"),
            "IBMCLOUD_API_KEY": DEMO_KEY,
        }
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_root else []
        done = subprocess.run(
            [*prefix, str(INSTALLED), *setup_args(earlier, "--force")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 10, done.stderr
        assert "permission denied" in one_line_cause(done.stderr)
        log = base / "state" / "log.jsonl"
        assert not log.exists() or "api-key-create" not in log.read_text(encoding="utf-8")
        assert earlier.read_text(encoding="utf-8") == "old: credentials\n"
    finally:
        (base / "ro").chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


def _nobody_can_run_the_installed_command() -> bool:
    probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", str(INSTALLED)]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def test_an_output_folder_on_a_read_only_mount_is_refused_before_a_key_is_created(world: World) -> None:
    """A real read-only filesystem: the folder bind-mounted read-only in a private mount namespace."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private read-only mount")
    folder = world.tmp / "ro"
    folder.mkdir()
    earlier = folder / "creds.yaml"
    earlier.write_text("old: credentials\n", encoding="utf-8")
    command = " ".join(shlex.quote(a) for a in [str(INSTALLED), *setup_args(earlier, "--force")])
    mount = f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(folder))}"
    remount = f"mount -o remount,bind,ro {shlex.quote(str(folder))}"
    script = f"{mount} && {remount} || exit 97; exec {command}"
    env = {
        **os.environ,
        "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD),
        **env_for(world, IBMCLOUD_API_KEY=DEMO_KEY),
    }
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode == 97:
        pytest.skip("this machine does not allow a private read-only mount")
    assert done.returncode == 10, done.stderr
    assert "read-only file system" in one_line_cause(done.stderr)
    assert create_calls(world) == 0
    assert earlier.read_text(encoding="utf-8") == "old: credentials\n"


@pytest.mark.slow
def test_a_full_disk_while_writing_keeps_the_earlier_file_and_deletes_the_unsaved_key(world: World) -> None:
    out_dir = world.tmp / "out"
    out_dir.mkdir()
    out = out_dir / "creds.yaml"
    out.write_text("old: credentials\n", encoding="utf-8")
    # The disk "fills up" as the credentials are written: from the moment the writer opens its temp file
    # no file may grow past 0 bytes (RLIMIT_FSIZE; CPython ignores SIGXFSZ, so write() fails with EFBIG,
    # as it fails with ENOSPC on a full disk). Set then rather than at the start, so that the fake CLI's
    # own state files are not affected.
    env = {**env_for(world, IBMCLOUD_API_KEY=DEMO_KEY), **write_hook_env(world.tmp / "hook", out, "fsize:0")}
    done = run_cli(setup_args(out, "--force"), env=env)
    assert done.returncode == 10, done.stderr
    cause = one_line_cause(done.stderr)
    key = keys_created(world)[-1]
    assert f"cannot write {out}" in cause
    # The tool tries to delete the key it could not save. Under this stand-in the file-size limit also
    # binds the ibmcloud child (it cannot write its session), so the delete fails here too and the
    # message must then say how to delete the key by hand.
    assert key["id"] in cause
    assert "so it was deleted" in cause or f"ibmcloud iam api-key-delete {key['id']} -f" in cause
    assert key["apikey"] not in done.stderr
    assert out.read_text(encoding="utf-8") == "old: credentials\n"
    assert leftovers(out_dir, keep={out.name}) == []


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_termination_signals_stop_the_tool_and_its_hanging_ibmcloud(
    world: World, pidfile: Path, signame: str
) -> None:
    env = env_for(
        world,
        IBMCLOUD_API_KEY=DEMO_KEY,
        FAKE_IBMCLOUD_FAULT="hang",
        FAKE_IBMCLOUD_FAULT_ON="resource service-instances",
        FAKE_IBMCLOUD_PIDFILE=str(pidfile),
    )
    run = Running(["--timeout", "30", "instance", INSTANCE, "--field", "guid"], env)
    hanging_call_started(world, "resource service-instances")
    run.proc.send_signal(getattr(signal, signame))
    code = run.finish()
    assert code == 130, run.stderr
    assert "interrupted" in run.stderr
    no_process_left(world, pidfile)


def test_a_failed_api_key_create_says_a_key_may_exist_and_how_to_find_it(world: World) -> None:
    out = world.tmp / "creds.yaml"
    env = env_for(
        world,
        IBMCLOUD_API_KEY=DEMO_KEY,
        FAKE_IBMCLOUD_FAULT="crash",
        FAKE_IBMCLOUD_FAULT_ON="iam api-key-create",
    )
    done = run_cli(setup_args(out), env=env)
    assert done.returncode in (7, 8), done.stderr
    assert "ibmcloud iam api-keys" in done.stderr
    assert not out.exists()


# === output folders checked as ssh's StrictModes does (issue 12 §7; wip/paths) =====================


@pytest.mark.parametrize(
    ("layout", "open_level"),
    [("group-writable folder", 0), ("world-writable folder two levels up", 2)],
)
def test_an_output_path_with_any_folder_others_can_write_to_is_refused_before_a_key(
    world: World, layout: str, open_level: int
) -> None:
    folder = world.tmp / "up" / "mid" / "out"
    folder.mkdir(parents=True)
    for level in (folder, folder.parent, folder.parent.parent):
        level.chmod(0o700)
    opened = [folder, folder.parent, folder.parent.parent][open_level]
    opened.chmod(0o770 if open_level == 0 else 0o777)
    earlier = folder / "creds.yaml"
    earlier.write_text("old: credentials\n", encoding="utf-8")
    cause = refused_before_any_key(world, earlier, "--force")
    where = "that folder through its group" if open_level == 0 else f"{opened}, a folder on its path"
    assert f"other users can write to {where}" in cause
    assert f"chmod go-w {opened}" in cause
    assert earlier.read_text(encoding="utf-8") == "old: credentials\n"


def test_an_output_folder_inside_another_users_folder_is_refused_before_a_key(world: World) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    theirs = world.tmp / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, 65534, 65534)
    mine = theirs / "mine"
    mine.mkdir(mode=0o700)
    cause = refused_before_any_key(world, mine / "creds.yaml")
    assert f"{theirs} belongs to another user (uid 65534)" in cause
    assert list(mine.iterdir()) == []


# === end of the output-folder section ================================================================


# === a new key and a stdout that cannot take it (issue 12 §1, §6, §8) ===============================

NEW_KEY = "fake-key-for-a-stdout-that-fails-00000000"


def run_redirected(args: list[str], redirect: str, env: dict[str, str], *, timeout: float = 60) -> Result:
    """The installed command run by bash with `redirect` after it (`>&-`, `>/dev/full`, `| true`,
    `2>&-`, `<&-`); `pipefail`, so the exit code is the command's even in a pipeline."""
    done = subprocess.run(
        ["bash", "-c", f'set -o pipefail; "$@" {redirect}', "bash", str(INSTALLED), *args],
        env={**os.environ, "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD), **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def key_to_stdout(command: str) -> list[str]:
    """`setup --out -` or `api-key create` without `--file`: the new key's only copy goes to stdout."""
    if command == "setup":
        return ["setup", "--instance", INSTANCE, "--format", "env", "--out", "-"]
    return ["api-key", "create", "stdout-key"]


@pytest.mark.parametrize("command", ["setup", "api-key create"])
@pytest.mark.parametrize("redirect", [">&-", ">/dev/full", "| true", "| head -c0"])
def test_a_stdout_that_cannot_take_the_new_key_exits_10_and_leaves_no_live_key(
    world: World, command: str, redirect: str
) -> None:
    log_in(world)
    env = env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_NEW_APIKEY=NEW_KEY)
    done = run_redirected(key_to_stdout(command), redirect, env)
    assert done.returncode == 10, done.stderr
    cause = one_line_cause(done.stderr)  # with `| true` too: never silent
    assert "standard output" in cause
    assert NEW_KEY not in done.stderr
    assert keys_created(world) == []  # no key is left alive in IBM Cloud
    if redirect in (">&-", ">/dev/full"):
        assert create_calls(world) == 0  # seen before the key was created


@pytest.mark.slow
@pytest.mark.parametrize("command", ["setup", "api-key create"])
def test_a_pipe_reader_that_leaves_while_the_key_is_created_gets_that_key_deleted(
    world: World, command: str
) -> None:
    log_in(world)
    env = env_for(
        world, IBMCLOUD_API_KEY=DEMO_KEY, FAKE_IBMCLOUD_NEW_APIKEY=NEW_KEY, FAKE_IBMCLOUD_LATENCY="0.5"
    )
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [str(INSTALLED), "--timeout", "20", *key_to_stdout(command)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env={**os.environ, "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD), **env},
    )
    os.close(write_end)
    try:
        # The pipe still has its reader when the tool checks it; the reader leaves during the creation.
        hanging_call_started(world, "iam api-key-create")
        os.close(read_end)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = err.decode("utf-8", errors="replace")
    assert proc.returncode == 10, stderr
    cause = one_line_cause(stderr)
    assert "cannot write the new key to standard output: the program reading it has exited" in cause
    assert "so it was deleted" in cause
    assert NEW_KEY not in stderr
    assert create_calls(world) == 1 and keys_created(world) == []


# --- an `api-key-create` answer without the key's value (issue 12 §2) -------------------------------

NO_VALUE = """\
#!{python}
# Runs the fake, but takes the key's value out of what `iam api-key-create` prints: the key exists.
import json, os, subprocess, sys
fake = {fake!r}
if sys.argv[1:3] == ["iam", "api-key-create"]:
    done = subprocess.run([fake, *sys.argv[1:]], capture_output=True, text=True)
    data = json.loads(done.stdout)
    if os.environ["NO_VALUE"] == "missing":
        del data["apikey"]
    else:
        data["apikey"] = ""
    sys.stdout.write(json.dumps(data, indent=2))
    sys.exit(done.returncode)
os.execv(fake, [fake, *sys.argv[1:]])
"""


@pytest.mark.parametrize("command", ["setup", "api-key create"])
@pytest.mark.parametrize("answer", ["missing", "empty"])
def test_an_api_key_create_answer_without_the_value_exits_7_and_deletes_that_key(
    world: World, command: str, answer: str
) -> None:
    log_in(world)
    wrapper = world.tmp / "ibmcloud-no-value"
    wrapper.write_text(NO_VALUE.format(python=sys.executable, fake=str(FAKE_IBMCLOUD)), encoding="utf-8")
    wrapper.chmod(0o755)
    out = world.tmp / "creds.yaml"
    args = setup_args(out) if command == "setup" else ["api-key", "create", "no-value-key"]
    env = env_for(world, IBMCLOUD_API_KEY=DEMO_KEY, OPENSCALE_CREDS_IBMCLOUD=str(wrapper), NO_VALUE=answer)
    done = run_cli(args, env=env)
    assert done.returncode == 7, done.stderr
    cause = one_line_cause(done.stderr)
    assert "answered without the value of the new API key" in cause
    assert create_calls(world) == 1
    assert keys_created(world) == [] and "so it was deleted" in cause
    assert not out.exists() and done.stdout == ""


# --- "a key may exist" only when the request could have left (issue 12 §8) --------------------------

BAD_INTERPRETER = "#!/nonexistent/python3\n"


@pytest.mark.parametrize("case", ["ibmcloud rejects its command line", "no session", "ibmcloud cannot start"])
def test_no_key_is_said_to_maybe_exist_when_the_create_request_never_left(world: World, case: str) -> None:
    env = env_for(world)
    if case == "ibmcloud rejects its command line":
        log_in(world)
        env.update(FAKE_IBMCLOUD_FAULT="incorrect-usage", FAKE_IBMCLOUD_FAULT_ON="iam api-key-create")
        code = 8
    elif case == "ibmcloud cannot start":
        broken = world.tmp / "ibmcloud"
        broken.write_text(BAD_INTERPRETER, encoding="utf-8")
        broken.chmod(0o755)
        env["OPENSCALE_CREDS_IBMCLOUD"] = str(broken)
        code = 3
    else:
        code = 4
    done = run_cli(["api-key", "create", "never-sent"], env=env)
    assert done.returncode == code, done.stderr
    cause = one_line_cause(done.stderr)
    assert "may exist" not in cause and "ibmcloud iam api-keys" not in cause
    assert keys_created(world) == []


# --- an interrupted rotate, and the next one (issue 12 §3) ------------------------------------------


def credentials_for(world: World, out: Path, *extra: str, instance: str = INSTANCE) -> dict[str, str]:
    """Run setup for `instance` into `out` (json); what it saved."""
    args = ["setup", "--instance", instance, "--out", str(out), "--format", "json", *extra]
    done = run_cli(args, env=env_for(world, IBMCLOUD_API_KEY=DEMO_KEY))
    assert done.returncode == 0, done.stderr
    saved: dict[str, str] = json.loads(out.read_text(encoding="utf-8"))
    return saved


def run_fake(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    """The fake `ibmcloud` itself, in the session `log_in` left, as a person would run it."""
    env = {**os.environ, **env_for(world)}
    return subprocess.run([str(FAKE_IBMCLOUD), *args], env=env, capture_output=True, text=True, check=False)


def live_key_ids(world: World) -> set[str]:
    return {key["id"] for key in keys_created(world)}


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_an_interrupted_rotate_says_where_each_key_is_and_the_next_rotate_finishes_it(
    world: World, signame: str
) -> None:
    out = world.tmp / "creds.json"
    old = credentials_for(world, out)
    side = out.with_name(out.name + ".new")
    env = env_for(world, FAKE_IBMCLOUD_LATENCY="0.8")
    run = Running(["--timeout", "10", "rotate", str(out)], env)
    wait_until("rotate's `iam api-key-create`", lambda: create_calls(world) == 2)  # setup's was the first
    run.proc.send_signal(getattr(signal, signame))
    code = run.finish()
    assert code == 130, run.stderr
    cause = one_line_cause(run.stderr)
    new = json.loads(side.read_text(encoding="utf-8"))
    assert f"{out} still holds the old, working key {old['api_key_id']}" in cause
    assert f"the new key {new['api_key_id']} is in {side}" in cause
    assert f"openscale-creds rotate {out}" in cause
    assert json.loads(out.read_text(encoding="utf-8"))["apikey"] == old["apikey"]

    again = run_cli(["rotate", str(out)], env=env_for(world))
    assert again.returncode == 0, again.stderr
    assert "--force" not in again.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["apikey"] == new["apikey"]
    assert not side.exists()
    assert create_calls(world) == 2  # setup's key and the interrupted rotate's: no third one
    assert live_key_ids(world) == {new["api_key_id"]}  # the old key is deleted


@pytest.mark.parametrize("leftover", ["a key for another instance", "a key that no longer works"])
def test_rotate_deletes_the_key_in_a_stale_side_file_removes_it_and_rotates(
    world: World, leftover: str
) -> None:
    out = world.tmp / "creds.json"
    side = out.with_name(out.name + ".new")
    # The side file stands for one an earlier rotate left: a profile of its own keeps the one that `out`
    # gets (`default`) from tracking it, or from refusing another instance.
    if leftover == "a key for another instance":
        stale = credentials_for(world, side, "--group", "AI Lab", "-p", "stale", instance=UNICODE_INSTANCE)
    else:
        stale = credentials_for(world, side, "-p", "stale")
        log_in(world)  # setup with IBMCLOUD_API_KEY logs in a private session, never the user's
        deleted = run_fake(world, "iam", "api-key-delete", stale["api_key_id"], "-f")
        assert deleted.returncode == 0, deleted.stderr
    old = credentials_for(world, out)
    done = run_cli(["rotate", str(out)], env=env_for(world))
    assert done.returncode == 0, done.stderr
    assert f"{side} is left from an earlier rotate and holds {leftover}" in done.stderr
    assert f"Removed {side}" in done.stderr
    assert not side.exists()
    new = json.loads(out.read_text(encoding="utf-8"))
    assert new["apikey"] not in (old["apikey"], stale["apikey"])
    assert stale["api_key_id"] not in live_key_ids(world) and old["api_key_id"] not in live_key_ids(world)


def test_rotate_refuses_an_unreadable_side_file_without_removing_it_or_creating_a_key(world: World) -> None:
    out = world.tmp / "creds.json"
    credentials_for(world, out)
    side = out.with_name(out.name + ".new")
    side.write_text("not: [credentials\n", encoding="utf-8")
    done = run_cli(["rotate", str(out)], env=env_for(world))
    assert done.returncode == 10, done.stderr
    cause = one_line_cause(done.stderr)
    assert "left by an earlier rotate is in the way" in cause and "remove it" in cause
    assert "--force" not in cause  # rotate has no such option
    assert side.read_text(encoding="utf-8") == "not: [credentials\n"
    assert create_calls(world) == 1  # only setup's


# --- bad input ends in its documented exit code, never "internal error" (issue 12 §6) ---------------


def nul_key_file(folder: Path) -> Path:
    path = folder / "key-with-nul.txt"
    path.write_bytes(b"demo-apikey\x00-00000000\n")
    return path


def utf16_key_file(folder: Path) -> Path:
    path = folder / "key-utf16.txt"
    path.write_bytes(DEMO_KEY.encode("utf-16"))  # what Notepad's "Unicode" saves: a NUL after each letter
    return path


BAD_INPUT = [
    ("--timeout inf", ["--timeout", "inf", "instance", INSTANCE], "", 2),
    ("--timeout nan", ["--timeout", "nan", "instance", INSTANCE], "", 2),
    ("--timeout -1", ["--timeout", "-1", "instance", INSTANCE], "", 2),
    ("--timeout 0", ["--timeout", "0", "instance", INSTANCE], "", 2),
    ("--timeout 1e400", ["--timeout", "1e400", "instance", INSTANCE], "", 2),
    ("--passcode-stdin, stdin closed", ["login", "--sso", "--passcode-stdin", "--no-region"], "<&-", 2),
    ("failing login, stderr closed", ["login"], "2>&-", 4),
    ("failing login, stderr unread", ["login"], "2>&1 | true", 4),
    ("doctor, stdout closed", ["doctor"], ">&-", 10),
    ("doctor, stdout full", ["doctor"], ">/dev/full", 10),
    ("instance, stdout closed", ["instance", INSTANCE, "--field", "guid"], ">&-", 10),
    ("instance, stdout full", ["instance", INSTANCE, "--field", "guid"], ">/dev/full", 10),
    ("instance, reader gone", ["instance", INSTANCE, "--field", "guid"], "| true", 0),
    ("NUL in --apikey-file", ["login", "--apikey-file", "{nul}"], "", 2),
    ("UTF-16 --apikey-file", ["login", "--apikey-file", "{utf16}"], "", 2),
]


@pytest.mark.parametrize(
    ("args", "redirect", "code"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_exits_with_its_documented_code_and_never_as_an_internal_error(
    world: World, args: list[str], redirect: str, code: int
) -> None:
    log_in(world)
    env = env_for(world)
    if args == ["login"]:
        env["IBMCLOUD_API_KEY"] = "not-a-key-the-fake-knows-0000000000000"
    files = {"nul": str(nul_key_file(world.tmp)), "utf16": str(utf16_key_file(world.tmp))}
    done = run_redirected([arg.format(**files) for arg in args], redirect, env)
    assert done.returncode == code, done.stderr
    assert "internal error" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    if code in (2, 10) and "2>" not in redirect:
        error_lines = [line for line in done.stderr.splitlines() if "rror" in line]
        assert len(error_lines) == 1, done.stderr  # one line that names the cause
    if code == 0:
        assert done.stderr == ""  # a reader that left is not an error


# --- hostile credential and key files, through the installed command (issue 12 §5) ------------------

PROMPT = 10.0  # seconds; a hang is forever


def hostile_file(kind: str, folder: Path) -> tuple[Path, str]:
    path = folder / "hostile.json"
    if kind == "fifo":
        os.mkfifo(path)
        return path, "is a named pipe (FIFO), not a regular file"
    if kind == "/dev/zero symlink":
        path.symlink_to("/dev/zero")
        return path, "is a character device, not a regular file"
    with open(path, "wb") as fobj:
        fobj.truncate(100 * 1024 * 1024)  # sparse: costs no disk, but reading it would take 100 MB
    return path, "is larger than 64 kB"


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero symlink", "100 MB file"])
@pytest.mark.parametrize("use", ["verify FILE", "ids --credentials FILE", "login --apikey-file FILE"])
def test_a_hostile_credentials_or_key_file_is_refused_promptly_in_one_line(
    world: World, kind: str, use: str
) -> None:
    path, reason = hostile_file(kind, world.tmp)
    args = [str(path) if word == "FILE" else word for word in use.split()]
    started = time.monotonic()
    try:
        done = run_cli(args, env=env_for(world), timeout=PROMPT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{use}` with a {kind} did not end within {PROMPT} s")
    assert time.monotonic() - started < PROMPT
    assert done.returncode == 2, done.stderr
    cause = one_line_cause(done.stderr)
    assert reason in cause and str(path) in cause
    assert world.calls() == []  # refused before any ibmcloud call
