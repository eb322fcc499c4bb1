"""No API key, one-time code or bearer token appears anywhere it was not asked for.

A `Recorder` runs the installed command (always with `--verbose`) against the fake ibmcloud and
keeps everything a secret could leak into: each child's argv, environment names and logged values
(the fake's FAKE_IBMCLOUD_LOG), stdout, stderr (which holds the --verbose log) and every debug file
the tool says it saved. Scenarios cover every command, both SSO drivers, every credential format,
--dry-run and faults. The secrets looked for are the demo API keys, every one-time code typed, every
key created (set through FAKE_IBMCLOUD_NEW_APIKEY, so known before it exists), the session's bearer
token (asked of the fake after each session change) and the OpenScale server's key and token. A
secret may appear on stdout only where the user asked for it there (`setup --out -`, `api-key create`
without --file). The last tests check that an ibmcloud error quoting the key is masked in the
exception, and that an unexpected exception prints neither a traceback nor its locals. The workflows'
error paths (no exception's message carries the key) are in test_workflow.py.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _e2e import DEMO_ACCOUNT, INSTANCE, INSTANCE_GUID, PASSCODES, WORLD
from _fakes import SECRET_KEY, exception_texts, write_credentials
from _sandbox import Run, Sandbox
from openscale_server import FAKE_APIKEY, FAKE_TOKEN, FakeOpenScale, running_server

DEMO_KEYS = [k["apikey"] for k in WORLD["apikeys"]]
DEMO_KEY = DEMO_KEYS[0]
WRONG_CODE = "WrongCode-7f3a9c"  # the fake rejects it; it is still a secret the user typed
SUFFIXES = {"yaml": "yaml", "json": "json", "env": "sh", "powershell": "ps1", "cmd": "cmd", "fish": "fish"}
FORMATS = [*SUFFIXES, "dotenv"]


def fresh_key(label: str) -> str:
    """A distinctive key for the fake to hand out (44 characters, like IBM's)."""
    return f"{label[:8]}-{uuid.uuid4().hex}{uuid.uuid4().hex}"[:44]


@dataclass(frozen=True)
class Secret:
    label: str
    value: str
    kind: str  # "key", "code" or "token"

    def needles(self) -> list[str]:
        """What counts as the secret showing: all of it; for a key also its first 20 characters (a
        cut-off key is most of a key); for a JWT also its signature alone."""
        found = [self.value]
        if self.kind == "key" and len(self.value) >= 32:
            found.append(self.value[:20])
        if self.kind == "token" and self.value.count(".") == 2:
            found.append(self.value.rsplit(".", 1)[1])
        return found


@dataclass
class Exposure:
    """One place that text ended up in, and the secrets the user asked to see there."""

    place: str
    text: str
    asked_for: frozenset[str] = frozenset()


@dataclass
class Scenario:
    name: str
    run: Run
    exposures: list[Exposure] = field(default_factory=list)


class Recorder:
    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.secrets: dict[str, Secret] = {}
        self.scenarios: list[Scenario] = []

    def secret(self, label: str, value: str, kind: str = "key") -> str:
        self.secrets[value] = Secret(label, value, kind)
        return value

    def learn_session_token(self) -> str | None:
        token = self.box.bearer_token()
        if token:
            self.secret("the session's bearer token", token, "token")
        return token

    def ensure_session(self) -> str:
        """Log in with the demo key unless the sandbox's session works; returns its token."""
        token = self.learn_session_token()
        if token is None:
            self.check(self.run("log in again", ["login"], env=key_env()), exit_code=0)
            token = self.learn_session_token()
        assert token is not None
        return token

    def run(
        self,
        name: str,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        input: str | None = None,
        stdout_asked_for: tuple[str, ...] = (),
        session_changes: bool = False,
    ) -> Scenario:
        done = self.box.run(["--verbose", *args], env=env, input=input)
        scenario = Scenario(name, done)
        scenario.exposures.append(Exposure("stdout", done.stdout, frozenset(stdout_asked_for)))
        scenario.exposures.append(Exposure("stderr (with the --verbose log)", done.stderr))
        for call in done.calls:
            words = " ".join(call["argv"][:2])
            scenario.exposures.append(Exposure(f"argv of `ibmcloud {words}`", json.dumps(call["argv"])))
            scenario.exposures.append(
                Exposure(f"env names of `ibmcloud {words}`", " ".join(call["env_names"]))
            )
            scenario.exposures.append(Exposure(f"env values of `ibmcloud {words}`", json.dumps(call["env"])))
        for path in done.debug_files():
            scenario.exposures.append(Exposure(f"debug file {path.name}", path.read_text(encoding="utf-8")))
        self.scenarios.append(scenario)
        if session_changes:
            self.learn_session_token()
        return scenario

    def leaks(self, scenarios: list[Scenario]) -> list[str]:
        found = []
        for scenario in scenarios:
            for exposure in scenario.exposures:
                for secret in self.secrets.values():
                    if secret.value in exposure.asked_for:
                        continue
                    if any(needle in exposure.text for needle in secret.needles()):
                        found.append(f"{secret.label} in {exposure.place} of scenario {scenario.name!r}")
        return found

    def check(self, scenario: Scenario, *, exit_code: int | tuple[int, ...]) -> None:
        """The scenario did what it is for, and nothing leaked."""
        done = scenario.run
        codes = exit_code if isinstance(exit_code, tuple) else (exit_code,)
        assert done.returncode in codes, done.stderr
        assert self.leaks([scenario]) == []
        assert "Traceback" not in done.stderr
        if any(argv[0] != "login" or "--sso" not in argv for argv in done.argvs):
            assert "[ibmcloud] ibmcloud " in done.stderr, "no --verbose log to search"
        for call in done.calls:
            # The user's key reaches a child only when the tool logs in with it on purpose.
            assert not call["has_api_key_env"] or call["argv"][0] == "login", call["argv"]


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Recorder:
    recorder = Recorder(Sandbox(tmp_path_factory.mktemp("hygiene")))
    for number, key in enumerate(DEMO_KEYS, start=1):
        recorder.secret(f"demo API key {number}", key)
    for number, code in enumerate([*PASSCODES, WRONG_CODE], start=1):
        recorder.secret(f"one-time code #{number}", code, "code")
    recorder.secret("the OpenScale test API key", FAKE_APIKEY)
    recorder.secret("the OpenScale server's token", FAKE_TOKEN, "token")
    return recorder


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenScale]:
    with running_server() as s:
        yield s


def key_env(**extra: str) -> dict[str, str]:
    return {"IBMCLOUD_API_KEY": DEMO_KEY, **extra}


def sso_args() -> list[str]:
    return [
        "login",
        "--sso",
        "--passcode-stdin",
        "--account",
        DEMO_ACCOUNT["guid"],
        "--no-region",
        "--no-browser",
    ]


# --- logging in ----------------------------------------------------------------------------------


def test_api_key_login_from_the_environment_leaks_nothing(rec: Recorder) -> None:
    scenario = rec.run("login, key in env", ["login"], env=key_env(), session_changes=True)
    rec.check(scenario, exit_code=0)
    assert any(c["has_api_key_env"] for c in scenario.run.calls)


@pytest.mark.parametrize("shape", ["json", "raw"])
def test_api_key_login_from_a_file_leaks_nothing(rec: Recorder, shape: str) -> None:
    key_file = rec.box.root / f"apikey-{shape}.txt"
    key_file.write_text(
        json.dumps({"apikey": DEMO_KEY}) if shape == "json" else DEMO_KEY + "\n", encoding="utf-8"
    )
    scenario = rec.run(
        f"login --apikey-file ({shape})", ["login", "--apikey-file", str(key_file)], session_changes=True
    )
    rec.check(scenario, exit_code=0)


def test_sso_with_a_rejected_code_leaks_nothing(rec: Recorder) -> None:
    scenario = rec.run("sso, wrong code", sso_args(), input=WRONG_CODE + "\n", session_changes=True)
    rec.check(scenario, exit_code=4)


@pytest.mark.parametrize("driver", ["pty", "pipe"])
def test_sso_with_the_code_on_stdin_leaks_nothing_over_either_driver(rec: Recorder, driver: str) -> None:
    code = PASSCODES[0 if driver == "pty" else 1]
    env = {"OPENSCALE_CREDS_DRIVER": driver}
    scenario = rec.run(f"sso over {driver}", sso_args(), env=env, input=code + "\n", session_changes=True)
    rec.check(scenario, exit_code=0)
    assert "identity/passcode" in scenario.run.stderr  # the dialogue really ran


def test_sso_timing_out_after_the_code_leaks_nothing(rec: Recorder) -> None:
    pidfile = rec.box.root / "hung-child.pid"
    env = {
        "OPENSCALE_CREDS_DRIVER": "pty",
        "FAKE_IBMCLOUD_FAULT": "hang-after-answer",
        "FAKE_IBMCLOUD_PIDFILE": str(pidfile),
    }
    scenario = rec.run(
        "sso hangs after the code", ["--timeout", "2", *sso_args()], env=env, input=PASSCODES[2] + "\n"
    )
    rec.check(scenario, exit_code=9)
    pid = int(pidfile.read_text(encoding="utf-8"))
    if running(pid):
        os.kill(pid, signal.SIGKILL)  # ours: do not leave it behind, but say it was
        pytest.fail("the hung ibmcloud's grandchild outlived the timeout")


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan stays a zombie where PID 1 does not reap)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat_line.rsplit(")", 1)[1].split()[0] != "Z"


# --- reading commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["instance", INSTANCE, "--format", "json"], ["target", "Default"], ["doctor"]],
    ids=["instance", "target", "doctor"],
)
def test_session_commands_leak_nothing(rec: Recorder, args: list[str]) -> None:
    rec.ensure_session()
    rec.check(rec.run(" ".join(args[:1]), args), exit_code=0)


# --- keys created ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_setup_to_a_file_shows_the_new_key_nowhere_else(rec: Recorder, fmt: str) -> None:
    new_key = rec.secret(f"the key created by setup ({fmt})", fresh_key(f"setup{fmt}"))
    out = rec.box.root / ("ibm-credentials.env" if fmt == "dotenv" else f"creds-{fmt}.{SUFFIXES[fmt]}")
    # A profile of its own: each run must create a key (the same profile would reuse the last one).
    args = ["setup", "--instance", INSTANCE, "--format", fmt, "--out", str(out), "--force", "-p", f"to-{fmt}"]
    scenario = rec.run(
        f"setup {fmt}", args, env=key_env(FAKE_IBMCLOUD_NEW_APIKEY=new_key), session_changes=True
    )
    rec.check(scenario, exit_code=0)
    assert new_key in out.read_text(encoding="utf-8-sig")  # the file got it: the search had something to find


def test_setup_to_stdout_shows_the_new_key_only_there(rec: Recorder) -> None:
    new_key = rec.secret("the key created by setup --out -", fresh_key("stdout"))
    args = ["setup", "--instance", INSTANCE, "--format", "env", "--out", "-", "-p", "to-stdout"]
    scenario = rec.run(
        "setup --out -", args, env=key_env(FAKE_IBMCLOUD_NEW_APIKEY=new_key), stdout_asked_for=(new_key,)
    )
    rec.check(scenario, exit_code=0)
    assert new_key in scenario.run.stdout


def test_api_key_create_with_a_file_keeps_the_key_off_stdout(rec: Recorder) -> None:
    new_key = rec.secret("the key made by api-key create --file", fresh_key("keyfile"))
    key_file = rec.box.root / "created-key.json"
    args = ["api-key", "create", "hygiene-key", "--file", str(key_file)]
    scenario = rec.run("api-key create --file", args, env={"FAKE_IBMCLOUD_NEW_APIKEY": new_key})
    rec.check(scenario, exit_code=0)
    assert json.loads(key_file.read_text(encoding="utf-8"))["apikey"] == new_key


def test_api_key_create_without_a_file_shows_the_key_on_stdout_only(rec: Recorder) -> None:
    new_key = rec.secret("the key made by api-key create", fresh_key("keyshown"))
    scenario = rec.run(
        "api-key create",
        ["api-key", "create", "hygiene-shown"],
        env={"FAKE_IBMCLOUD_NEW_APIKEY": new_key},
        stdout_asked_for=(new_key,),
    )
    rec.check(scenario, exit_code=0)
    assert json.loads(scenario.run.stdout)["apikey"] == new_key


def test_verify_and_rotate_show_neither_the_old_nor_the_new_key(rec: Recorder) -> None:
    path = rec.box.root / "creds-json.json"  # written by the setup json scenario
    if not path.exists():
        old = rec.secret("the key created for rotation", fresh_key("rotold"))
        setup = ["setup", "--instance", INSTANCE, "--format", "json", "--out", str(path), "-p", "rot"]
        rec.check(
            rec.run("setup for rotation", setup, env=key_env(FAKE_IBMCLOUD_NEW_APIKEY=old)), exit_code=0
        )
    rec.check(rec.run("verify", ["verify", str(path)]), exit_code=0)
    new_key = rec.secret("the key created by rotate", fresh_key("rotnew"))
    rotate = rec.run("rotate", ["rotate", str(path)], env={"FAKE_IBMCLOUD_NEW_APIKEY": new_key})
    rec.check(rotate, exit_code=0)
    assert json.loads(path.read_text(encoding="utf-8"))["apikey"] == new_key


# --- profiles: setup, list, env, exec, rotate, remove, api-key list/delete ---------------------------

PRINT_ENV = "import os, sys; print(os.environ['WATSONX_APIKEY']); print(open('/proc/self/cmdline').read())"


def test_the_profile_lifecycle_shows_the_key_only_where_asked(rec: Recorder) -> None:
    rec.ensure_session()
    first = rec.secret("the key setup stored as profile hyg", fresh_key("profile1"))
    setup = ["setup", "--instance", INSTANCE, "-p", "hyg"]
    made = rec.run(
        "setup -p (stored)", setup, env=key_env(FAKE_IBMCLOUD_NEW_APIKEY=first), session_changes=True
    )
    rec.check(made, exit_code=0)
    reused = rec.run("setup -p again (reused)", setup, env=key_env(), session_changes=True)
    rec.check(reused, exit_code=0)
    assert "Reusing API key" in reused.run.stderr
    for name, args in [
        ("list", ["list"]),
        ("list json", ["list", "--format", "json"]),
        ("list --verify", ["list", "--verify"]),
        ("verify -p", ["verify", "-p", "hyg"]),
        ("api-key list", ["api-key", "list", "--format", "json"]),
    ]:
        rec.check(rec.run(name, args), exit_code=0)
    shown = rec.run("env -p", ["env", "-p", "hyg", "--format", "env"], stdout_asked_for=(first,))
    rec.check(shown, exit_code=0)
    assert first in shown.run.stdout  # the search had something to find
    ran = rec.run(
        "exec -p", ["exec", "-p", "hyg", "--", sys.executable, "-c", PRINT_ENV], stdout_asked_for=(first,)
    )
    rec.check(ran, exit_code=0)
    key_line, cmdline = ran.run.stdout.split("\n", 1)
    assert key_line == first and first not in cmdline  # in the child's environment, not its argv
    second = rec.secret("the key rotate stored as profile hyg", fresh_key("profile2"))
    rotated = rec.run("rotate -p", ["rotate", "-p", "hyg"], env={"FAKE_IBMCLOUD_NEW_APIKEY": second})
    rec.check(rotated, exit_code=0)
    rec.check(rec.run("remove -p", ["remove", "-p", "hyg"]), exit_code=0)
    rec.check(rec.run("env of a removed profile", ["env", "-p", "hyg"]), exit_code=5)


def test_a_profile_on_stdout_and_api_key_delete_leak_nothing_else(rec: Recorder) -> None:
    rec.ensure_session()
    printed = rec.secret("the key printed by setup -p --out -", fresh_key("printed"))
    args = ["setup", "--instance", INSTANCE, "-p", "hyg-printed", "--out", "-", "--format", "json"]
    made = rec.run(
        "setup -p --out -", args, env=key_env(FAKE_IBMCLOUD_NEW_APIKEY=printed), stdout_asked_for=(printed,)
    )
    rec.check(made, exit_code=0)
    key_id = json.loads(made.run.stdout)["api_key_id"]
    rec.check(rec.run("env of a key not kept", ["env", "-p", "hyg-printed"]), exit_code=5)
    rec.check(rec.run("api-key delete, no --yes", ["api-key", "delete", key_id]), exit_code=2)
    rec.check(rec.run("api-key delete --yes", ["api-key", "delete", key_id, "--yes"]), exit_code=0)


# --- ids: the session's token and the OpenScale server's ------------------------------------------


def test_ids_with_the_session_token_shows_the_token_nowhere(rec: Recorder, server: FakeOpenScale) -> None:
    token = rec.ensure_session()
    server.scenario.tokens = {token}
    server.scenario.data_mart_id = INSTANCE_GUID
    args = ["ids", "--instance", INSTANCE, "--service-url", server.url, "--format", "json"]
    rec.check(rec.run("ids --instance", args), exit_code=0)
    assert any(r.headers.get("authorization") == f"Bearer {token}" for r in server.requests)


def test_ids_whose_server_echoes_the_token_in_an_error_shows_it_nowhere(
    rec: Recorder, server: FakeOpenScale
) -> None:
    token = rec.ensure_session()
    server.scenario.tokens = {token}
    server.scenario.data_mart_id = INSTANCE_GUID
    server.scenario.fail_status = 500  # the error body quotes the Authorization header
    try:
        args = ["ids", "--instance", INSTANCE, "--service-url", server.url]
        rec.check(rec.run("ids --instance, server error", args), exit_code=8)
    finally:
        server.scenario.fail_status = None


def test_ids_with_a_credentials_file_shows_neither_key_nor_token(
    rec: Recorder, server: FakeOpenScale
) -> None:
    path = rec.box.root / "openscale-creds.json"
    creds = {"apikey": FAKE_APIKEY, "instance_guid": server.scenario.data_mart_id, "url": server.url}
    path.write_text(json.dumps(creds), encoding="utf-8")
    args = ["ids", "--credentials", str(path), "--format", "yaml"]
    rec.check(
        rec.run("ids --credentials", args, env={"OPENSCALE_CREDS_IAM_URL": server.iam_url}), exit_code=0
    )


# --- --dry-run -----------------------------------------------------------------------------------

DRY_RUNS: dict[str, list[str]] = {
    "login": ["login"],
    "login --apikey-file": ["login", "--apikey-file", "{creds}"],
    "login --sso": ["login", "--sso", "--passcode-stdin"],
    "setup": ["setup", "--instance", INSTANCE, "--group", "Default", "--out", "-"],
    "api-key create": ["api-key", "create", "dry-key"],
    "verify": ["verify", "{creds}"],
    "rotate": ["rotate", "{creds}"],
    "instance": ["instance", INSTANCE],
    "target": ["target", "Default"],
    "doctor": ["doctor"],
    "ids --instance": ["ids", "--instance", INSTANCE],
    "ids --credentials": ["ids", "--credentials", "{creds}"],
    "ids FILE": ["ids", "{creds}"],
    "verify -p": ["verify", "-p", "dry"],
    "rotate -p": ["rotate", "-p", "dry"],
    "list": ["list"],
    "env": ["env", "-p", "dry"],
    "exec": ["exec", "-p", "dry", "--", "true"],
    "remove": ["remove", "-p", "dry"],
    "api-key list": ["api-key", "list"],
    "api-key delete": ["api-key", "delete", "dry-key", "--yes"],
}


@pytest.mark.parametrize(
    ("command", "shell"),
    [
        *((command, "posix") for command in DRY_RUNS),
        *(("setup", shell) for shell in ("cmd", "bat", "powershell5")),
    ],
)
def test_dry_run_runs_nothing_and_shows_no_secret(rec: Recorder, command: str, shell: str) -> None:
    creds = rec.box.root / "dry-run-creds.json"
    if not creds.exists():
        stored = rec.secret("the key in the dry-run's credentials file", fresh_key("dryrun"))
        doc = {
            "apikey": stored,
            "instance_guid": "00000000-0000-4000-8000-000000000001",
            "api_key_id": "ApiKey-x",
        }
        creds.write_text(json.dumps(doc), encoding="utf-8")
    args = [arg.replace("{creds}", str(creds)) for arg in DRY_RUNS[command]]
    scenario = rec.run(
        f"--dry-run {command} ({shell})", ["--dry-run", "--shell", shell, *args], env=key_env()
    )
    rec.check(scenario, exit_code=0)
    assert scenario.run.calls == []
    assert scenario.run.stdout.strip()


# --- faults --------------------------------------------------------------------------------------


def fault_env(fault: str, on: str, **extra: str) -> dict[str, str]:
    return key_env(FAKE_IBMCLOUD_FAULT=fault, FAKE_IBMCLOUD_FAULT_ON=on, **extra)


def test_unreadable_output_is_saved_masked_and_exits_7(rec: Recorder) -> None:
    args = ["instance", INSTANCE, "--field", "guid"]
    scenario = rec.run("garbage", args, env=fault_env("garbage", "resource service-instances"))
    rec.check(scenario, exit_code=7)
    assert [e.place for e in scenario.exposures if e.place.startswith("debug file")], scenario.run.stderr


def test_a_login_failing_with_exit_0_leaks_nothing(rec: Recorder) -> None:
    scenario = rec.run("failed-exit0 at login", ["login"], env=fault_env("failed-exit0", "login"))
    # 4 (key refused) or 8 (ibmcloud failed): which one is test_faults.py's business, not this file's.
    rec.check(scenario, exit_code=(4, 8))


def test_an_expired_session_renewed_with_the_key_leaks_nothing(rec: Recorder) -> None:
    rec.ensure_session()
    env = fault_env("expired", "resource service-instances", FAKE_IBMCLOUD_FAULT_TIMES="1")
    scenario = rec.run(
        "expired, then renewed", ["instance", INSTANCE, "--field", "guid"], env=env, session_changes=True
    )
    rec.check(scenario, exit_code=0)
    assert [argv[0] for argv in scenario.run.argvs].count("login") == 1  # it did log in again


def test_a_crash_while_creating_a_key_leaks_nothing(rec: Recorder) -> None:
    new_key = rec.secret("the key whose creation crashed", fresh_key("crash"))
    args = ["setup", "--instance", INSTANCE, "--out", "-", "-p", "crash"]
    env = fault_env("crash", "iam api-key-create", FAKE_IBMCLOUD_NEW_APIKEY=new_key)
    rec.check(rec.run("crash at api-key-create", args, env=env), exit_code=8)


def test_key_output_cut_off_mid_key_is_saved_without_the_key(rec: Recorder) -> None:
    # A long key puts the fault's cut (half the output) inside the key's value, as a dropped
    # connection might: the debug file must not keep what arrived of it.
    new_key = rec.secret("the key whose output was cut off", "cutkey-" + uuid.uuid4().hex * 7)
    args = ["api-key", "create", "cut-key"]
    env = fault_env("truncated-json", "iam api-key-create", FAKE_IBMCLOUD_NEW_APIKEY=new_key)
    scenario = rec.run("truncated api-key-create", args, env=env)
    rec.check(scenario, exit_code=7)


def test_the_harness_finds_a_key_shown_where_it_was_not_asked_for(rec: Recorder) -> None:
    shown = next((s for s in rec.scenarios if s.name == "api-key create"), None)
    if shown is None:  # this test alone
        test_api_key_create_without_a_file_shows_the_key_on_stdout_only(rec)
        shown = rec.scenarios[-1]
    unasked = Scenario("api-key create, not asked", shown.run, [Exposure("stdout", shown.run.stdout)])
    assert rec.leaks([unasked]) == [
        "the key made by api-key create in stdout of scenario 'api-key create, not asked'"
    ]


def test_no_secret_learned_later_appears_in_any_earlier_output(rec: Recorder) -> None:
    if len(rec.scenarios) < 20:
        pytest.skip("sweeps the scenarios of the whole module; run the module, not this test alone")
    assert rec.leaks(rec.scenarios) == []


def test_the_temporary_folder_holds_only_the_announced_debug_files_each_0600(rec: Recorder) -> None:
    if len(rec.scenarios) < 20:
        pytest.skip("sweeps the scenarios of the whole module; run the module, not this test alone")
    announced = {path.resolve() for scenario in rec.scenarios for path in scenario.run.debug_files()}
    assert announced, "no scenario saved a debug file: the sweep would prove nothing"
    left = {path.resolve() for path in rec.box.tmpdir.rglob("*")}
    assert left == announced  # private IBMCLOUD_HOMEs and side files are gone
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in announced)


# --- the facade and the entry point ----------------------------------------------------------------
# (The workflows' error paths with a fake facade are in test_workflow.py.)


@pytest.fixture
def echoing_ibmcloud(tmp_path: Path) -> Path:
    """A stand-in ibmcloud that fails quoting its API key and a bearer token, as a careless CLI might."""
    script = tmp_path / "ibmcloud"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "key = os.environ.get('IBMCLOUD_API_KEY', '')\n"
        "print('FAILED', file=sys.stderr)\n"
        "token = 'Bearer eyJfake.eyJecho.sig-echo-0123'\n"
        "print(f'API key {key} is not valid (Authorization: {token})', file=sys.stderr)\n"
        "sys.exit(1)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_an_ibmcloud_error_quoting_the_key_is_masked_in_the_exception(echoing_ibmcloud: Path) -> None:
    from openscale_creds.errors import NotLoggedIn
    from openscale_creds.ibmcloud import IbmCloudCli
    from openscale_creds.runner import Runner

    # A key no other test registers with the masker: only this login can have taught it.
    echoed = f"unit-echoed-key-{uuid.uuid4().hex}"
    cli = IbmCloudCli(Runner(str(echoing_ibmcloud), timeout=20))
    with pytest.raises(NotLoggedIn) as caught:
        cli.login_apikey(echoed, region="us-south")
    shown = exception_texts(caught.value)
    assert "is not valid" in shown  # the CLI's message is passed on…
    assert echoed not in shown and "sig-echo-0123" not in shown  # …without the key or the token


def test_an_unexpected_exception_prints_no_traceback_and_no_locals(
    rec: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openscale_creds import redact
    from openscale_creds.workflow import verify as verify_flow

    local_key = "local-secret-key-9d8c7b6a5f4e3d2c1b0a"

    def broken_verify(*args: Any, **kwargs: Any) -> None:
        apikey = local_key  # a local that a traceback with locals would print
        redact.register(apikey)
        raise RuntimeError(f"unexpected failure near {apikey}")

    monkeypatch.setattr(verify_flow, "verify", broken_verify)
    path = write_credentials(rec.box.root / "internal-error.json", key=SECRET_KEY)
    done = rec.box.run_here(["--verbose", "verify", str(path)])
    assert done.returncode == 1
    assert "internal error: RuntimeError" in done.stderr
    assert "Traceback" not in done.stderr and "apikey =" not in done.stderr
    assert local_key not in done.stdout + done.stderr
    assert SECRET_KEY not in done.stdout + done.stderr
