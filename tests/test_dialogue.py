"""The SSO login dialogue, driven through real processes: the fake ibmcloud over a pty and over pipes, in
both prompt wordings. A few pure tests cover account selection and the account-menu parser."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FAKE_DIR, FAKE_IBMCLOUD
from openscale_creds import dialogue, errors
from openscale_creds.dialogue import SsoAnswers, default_driver_kind, run_sso_login, select_account
from openscale_creds.models import Account, AccountChoice
from openscale_creds.parsers.menu import parse_account_menu

WORLD = json.loads((FAKE_DIR / "demo-world.json").read_text(encoding="utf-8"))
DEMO, RONAN = WORLD["accounts"][0], WORLD["accounts"][1]
CODES: list[str] = WORLD["passcodes"]
DRIVERS = ["pty", "pipe"]
STYLES = ["old", "new"]
WRONG_CODE = "WrongCode99"  # not in the world's passcodes
PATIENT = 30.0  # seconds of silence allowed where a test is not about timeouts (CI machines can be slow)


class Login:
    """One dialogue against the fake: its environment, what the user saw, and the fake's call log."""

    def __init__(self, tmp: Path, driver: str, **env: str) -> None:
        self.tmp = tmp
        self.driver = driver
        self.log = tmp / "fake-log.jsonl"
        self.env = dict(os.environ)
        self.env.update(FAKE_IBMCLOUD_LOG=str(self.log), FAKE_IBMCLOUD_PIDFILE=str(tmp / "grandchild.pid"))
        self.env.update(env)
        self.shown: list[str] = []
        self.urls: list[str] = []

    def answers(
        self,
        code: str = CODES[0],
        account: str = DEMO["name"],
        *,
        open_browser: bool = False,
        before_code: Callable[[], None] | None = None,
    ) -> SsoAnswers:
        def get_passcode(url: str) -> str:
            self.urls.append(url)
            if before_code is not None:
                before_code()
            return code

        return SsoAnswers(
            open_browser=open_browser,
            get_passcode=get_passcode,
            choose_account=lambda choices: select_account(choices, account),
            show=self.shown.append,
        )

    def run(self, answers: SsoAnswers, *extra: str, timeout: float = PATIENT) -> str:
        argv = [str(FAKE_IBMCLOUD), "login", "--sso", *extra]
        return run_sso_login(argv, self.env, answers, driver=self.driver, timeout=timeout)

    def child_pids(self) -> list[int]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [json.loads(line)["pid"] for line in lines if line]

    def grandchild_pid(self) -> int:
        return int((self.tmp / "grandchild.pid").read_text(encoding="utf-8"))


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for a reaper other than us counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to a signal probe
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone_soon(pid: int, within: float = 2.0) -> bool:
    """An orphaned grandchild is reaped by init, which may take a moment after the kill."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def full_text(exc: BaseException) -> str:
    return str(exc) + repr(exc) + str(getattr(exc, "hint", "")) + "".join(traceback.format_exception(exc))


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def kill_leftovers() -> Iterator[list[int]]:
    """pids a failed test might leave behind; killed at teardown so one failure does not leak processes."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, 9)


# --- the happy path -----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_sso_login_succeeds_and_the_output_ends_with_the_target(
    tmp_path: Path, driver: str, style: str
) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_SSO_STYLE=style)

    output = login.run(login.answers(account=DEMO["name"].upper()))

    assert f"Targeted account {DEMO['name']} ({DEMO['guid']})" in output
    assert re.search(r"^Account:\s+Demo Account", output, re.MULTILINE)
    assert "\r" not in output and "\x1b" not in output
    assert login.urls == [WORLD["passcode_url"]]
    assert any(WORLD["passcode_url"] in line for line in login.shown)


@pytest.mark.parametrize("style", STYLES)
def test_the_one_time_code_never_reaches_the_output_or_the_fake_log(
    tmp_path: Path, driver: str, style: str
) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_SSO_STYLE=style)

    output = login.run(login.answers(code=CODES[1]))

    assert CODES[1] not in output
    assert CODES[1] not in "".join(login.shown)
    assert CODES[1] not in login.log.read_text(encoding="utf-8")


def test_the_account_menu_is_answered_by_account_guid(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)

    output = login.run(login.answers(account=RONAN["guid"]))

    assert f"Targeted account {RONAN['name']} ({RONAN['guid']})" in output


def test_the_region_menu_is_skipped_and_no_region_means_no_menu(tmp_path: Path, driver: str) -> None:
    asked = Login(tmp_path / "asked", driver)
    (tmp_path / "asked").mkdir()
    output = asked.run(asked.answers())
    assert "Select a region" in output
    assert "Targeted region" not in output

    flagged = Login(tmp_path, driver)
    output = flagged.run(flagged.answers(code=CODES[1]), "--no-region")
    assert "Select a region" not in output


def test_answering_yes_to_the_browser_question_still_logs_in(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)

    output = login.run(login.answers(open_browser=True), "--no-region")

    assert f"Targeted account {DEMO['name']}" in output


def test_coloured_prompts_and_headers_are_still_recognised(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_FAULT="color")

    output = login.run(login.answers(account=RONAN["name"]))

    assert f"Targeted account {RONAN['name']}" in output
    assert "\x1b" not in output


@pytest.mark.slow
def test_time_spent_fetching_the_code_does_not_count_against_the_timeout(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)

    output = login.run(login.answers(before_code=lambda: time.sleep(3.0)), "--no-region", timeout=2.0)

    assert f"Targeted account {DEMO['name']}" in output


# --- failures ------------------------------------------------------------------------------------------


def test_a_wrong_code_is_not_logged_in_and_the_code_is_not_in_the_error(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)

    with pytest.raises(errors.NotLoggedIn) as caught:
        login.run(login.answers(code=WRONG_CODE))

    assert caught.value.exit_code == errors.ExitCode.NOT_LOGGED_IN
    assert "Unable to authenticate" in str(caught.value)
    assert WRONG_CODE not in full_text(caught.value)


def test_a_reused_code_is_not_logged_in(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)
    login.run(login.answers(code=CODES[2]), "--no-region")

    with pytest.raises(errors.NotLoggedIn):
        login.run(login.answers(code=CODES[2]), "--no-region")


def test_an_ambiguous_account_name_aborts_and_leaves_no_process(tmp_path: Path, driver: str) -> None:
    world = dict(WORLD, accounts=[DEMO, dict(RONAN, name=DEMO["name"].lower())])
    (tmp_path / "world.json").write_text(json.dumps(world), encoding="utf-8")
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_WORLD=str(tmp_path / "world.json"))

    with pytest.raises(errors.Ambiguous) as caught:
        login.run(login.answers(account="DEMO ACCOUNT"))

    assert caught.value.exit_code == errors.ExitCode.AMBIGUOUS
    assert DEMO["guid"] in str(caught.value) and RONAN["guid"] in str(caught.value)
    assert CODES[0] not in full_text(caught.value)
    assert login.child_pids() and not any(alive(pid) for pid in login.child_pids())


def test_an_unknown_account_is_not_found_and_lists_the_choices(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver)

    with pytest.raises(errors.NotFound) as caught:
        login.run(login.answers(account="No Such Account"))

    assert caught.value.exit_code == errors.ExitCode.NOT_FOUND
    assert DEMO["name"] in str(caught.value) and RONAN["guid"] in str(caught.value)
    assert not any(alive(pid) for pid in login.child_pids())


def test_a_cli_that_ends_before_asking_anything_is_a_clean_error(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_FAULT="empty")

    with pytest.raises(errors.CommandFailed, match="without asking for a one-time code"):
        login.run(login.answers())


def test_a_translated_failure_is_a_command_failure_with_its_message(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_FAULT="failed-de")

    with pytest.raises(errors.CommandFailed, match="Nicht angemeldet"):
        login.run(login.answers())


def test_a_cli_killed_midway_is_a_command_failure(tmp_path: Path, driver: str) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_FAULT="crash")

    with pytest.raises(errors.CommandFailed, match="killed by signal") as caught:
        login.run(login.answers(code=CODES[3]))

    assert CODES[3] not in full_text(caught.value)


def test_a_missing_cli_is_cli_not_found(tmp_path: Path, driver: str) -> None:
    answers = Login(tmp_path, driver).answers()
    with pytest.raises(errors.CliNotFound):
        run_sso_login(
            [str(tmp_path / "no-ibmcloud"), "login", "--sso"], {}, answers, driver=driver, timeout=5
        )


URL_LINE = "Get a one-time code from https://identity-1.eu-de.iam.cloud.ibm.com/identity/passcode to proceed."
ODD_CLIS = {
    "an unexpected question": (
        f"printf '{URL_LINE}\\nDo you want to update now? [Y/n] > '; read a",
        errors.UnrecognisedOutput,
        "unexpected question: 'Do you want to update now? [Y/n] >'",
    ),
    "a rejected answer": (
        "printf 'Open the URL in the default browser? [Y/n] > '; read a; "
        "printf \"Please enter 'y', 'n', 'yes' or 'no'.\\n\"; "
        "printf 'Open the URL in the default browser? [Y/n] > '; read a",
        errors.UnrecognisedOutput,
        "rejected an answer: Please enter 'y'",
    ),
    "a second code prompt": (
        "printf 'One-time code > '; read a; printf '\\nOne-time code > '; read a",
        errors.NotLoggedIn,
        "asked for the one-time code again",
    ),
}


@pytest.mark.parametrize("case", ODD_CLIS)
def test_a_cli_that_asks_something_unexpected_fails_at_once_instead_of_timing_out(
    tmp_path: Path, driver: str, case: str
) -> None:
    script, error, message = ODD_CLIS[case]
    odd = tmp_path / "ibmcloud"
    odd.write_text(f"#!/bin/sh\n{script}\nsleep 1000\n", encoding="utf-8")
    odd.chmod(0o755)
    login = Login(tmp_path, driver)
    started = time.monotonic()

    with pytest.raises(error, match=re.escape(message)) as caught:
        run_sso_login(
            [str(odd), "login", "--sso"], login.env, login.answers(), driver=driver, timeout=PATIENT
        )

    assert time.monotonic() - started < 10
    assert CODES[0] not in full_text(caught.value)


@pytest.mark.slow
def test_a_hang_after_the_code_times_out_promptly_and_kills_the_whole_tree(
    tmp_path: Path, driver: str, kill_leftovers: list[int]
) -> None:
    login = Login(tmp_path, driver, FAKE_IBMCLOUD_FAULT="hang-after-answer")
    sent: list[float] = []

    with pytest.raises(errors.TimedOut) as caught:
        login.run(
            login.answers(code=CODES[4], before_code=lambda: sent.append(time.monotonic())), timeout=1.5
        )
    waited = time.monotonic() - sent[0]

    kill_leftovers.extend([*login.child_pids(), login.grandchild_pid()])
    assert caught.value.exit_code == errors.ExitCode.TIMEOUT
    assert "after sending the one-time code" in str(caught.value)
    assert waited < 1.5 + 1.0
    assert CODES[4] not in full_text(caught.value)
    assert not any(alive(pid) for pid in login.child_pids())
    assert gone_soon(login.grandchild_pid())


def test_ctrl_c_while_the_user_fetches_the_code_is_interrupted_and_kills_the_child(
    tmp_path: Path, driver: str
) -> None:
    login = Login(tmp_path, driver)

    def press_ctrl_c() -> None:
        raise KeyboardInterrupt

    with pytest.raises(errors.Interrupted) as caught:
        login.run(login.answers(before_code=press_ctrl_c))

    assert caught.value.exit_code == errors.ExitCode.INTERRUPTED
    assert login.child_pids() and not any(alive(pid) for pid in login.child_pids())


# --- driver choice and start-up cost ----------------------------------------------------------------------


def test_importing_the_dialogue_module_does_not_import_pexpect() -> None:
    probe = "import sys, openscale_creds.dialogue; print('pexpect' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_windows_gets_the_pipe_driver_and_posix_the_pty() -> None:
    assert default_driver_kind("win32") == "pipe"
    assert default_driver_kind("linux") == "pty"


def test_the_driver_environment_variable_overrides_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dialogue.DRIVER_ENV, "pipe")
    assert default_driver_kind("linux") == "pipe"
    monkeypatch.setenv(dialogue.DRIVER_ENV, "tty")
    with pytest.raises(errors.UsageError, match="tty"):
        default_driver_kind("linux")


def test_the_auto_driver_logs_in_with_the_kind_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(dialogue.DRIVER_ENV, "pipe")
    login = Login(tmp_path, "auto")

    output = login.run(login.answers(), "--no-region")

    log = [json.loads(line) for line in login.log.read_text(encoding="utf-8").splitlines()]
    assert log[0]["stdin_isatty"] is False
    assert f"Targeted account {DEMO['name']}" in output


# --- account selection and the menu parser (pure) ----------------------------------------------------------

CHOICES = [
    AccountChoice(1, Account("Demo Account", "34445945c2dfb743dccd9aea88034794", "1687099")),
    AccountChoice(2, Account("Ronan's Account", "be8a87a1a51360e979bc5793887119a0")),
    AccountChoice(3, Account("Shared", "0123456789abcdef0123456789abcdef")),
    AccountChoice(4, Account("SHARED", "fedcba9876543210fedcba9876543210")),
]


def test_select_account_matches_a_name_whatever_its_case() -> None:
    assert select_account(CHOICES, "ronan's account").number == 2


def test_select_account_matches_a_guid_exactly() -> None:
    assert select_account(CHOICES, "fedcba9876543210fedcba9876543210").number == 4


def test_select_account_refuses_a_name_shared_by_several_accounts_and_lists_them() -> None:
    with pytest.raises(errors.Ambiguous) as caught:
        select_account(CHOICES, "shared")
    assert "0123456789abcdef0123456789abcdef" in str(caught.value)
    assert "fedcba9876543210fedcba9876543210" in str(caught.value)
    assert "Demo Account" not in str(caught.value)


def test_select_account_does_not_match_part_of_a_name() -> None:
    with pytest.raises(errors.NotFound) as caught:
        select_account(CHOICES, "Demo")
    assert "Ronan's Account (be8a87a1a51360e979bc5793887119a0)" in str(caught.value)


OLD_MENU = """Select an account:
1. IBM (80d297103c56406aa783749878e0e465b9bf)
2. IBM (3a4766a7bcab032d4ffc980d360fbf23) <-> 338150
Enter a number> """

NEW_MENU = """Select an account:\r
1. Ronan Bourlier's Account (b02822e1d9cb5263f3d06ffffdcd9793) <-> 1687099\r
2. WATSON CMCIC (e443898b246db06ab7af7a5ef0498e89)\r
[...]\r
\x1b[36;1mEnter a number\x1b[0m\x1b[36;1m>\x1b[0m """


def test_the_account_menu_parser_reads_numbers_names_guids_and_ims_numbers() -> None:
    assert parse_account_menu(NEW_MENU) == [
        AccountChoice(1, Account("Ronan Bourlier's Account", "b02822e1d9cb5263f3d06ffffdcd9793", "1687099")),
        AccountChoice(2, Account("WATSON CMCIC", "e443898b246db06ab7af7a5ef0498e89", None)),
    ]


def test_the_account_menu_parser_keeps_the_odd_guids_of_old_transcripts() -> None:
    choices = parse_account_menu(OLD_MENU)
    assert [c.account.guid for c in choices] == [
        "80d297103c56406aa783749878e0e465b9bf",
        "3a4766a7bcab032d4ffc980d360fbf23",
    ]
    assert choices[1].account.ims == "338150"


@pytest.mark.parametrize(
    ("menu", "complaint"),
    [
        ("Select an account:\nEnter a number> ", "no accounts"),
        ("Select an account:\n1. Just a name\nEnter a number> ", "Just a name"),
        ("1. A (0123456789abcdef0123456789abcdef)\n1. B (fedcba9876543210fedcba9876543210)\n", "twice"),
    ],
)
def test_the_account_menu_parser_names_what_it_cannot_read(menu: str, complaint: str) -> None:
    with pytest.raises(errors.ParseError, match=re.escape(complaint)):
        parse_account_menu(menu)
