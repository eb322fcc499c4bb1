"""The profile flows over the in-memory `FakeCloud` and a file-backed profile store: the paths the
end-to-end suites reach only with difficulty (a declined prompt, a profile without a key id, the
shell-to-format table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _fakes import NEW_KEY, FakeCloud, QuietUi
from openscale_creds import errors, store
from openscale_creds.credentials import Credentials
from openscale_creds.models import ApiKey
from openscale_creds.workflow import apikeys, profiles


def file_store(tmp_path: Path) -> store.ProfileStore:
    return store.ProfileStore(tmp_path / "cfg", store="file", warn=lambda _m: None)


def saved(profiles_: store.ProfileStore, name: str, key_id: str | None) -> store.Profile:
    creds = Credentials(apikey=NEW_KEY, instance_guid="guid-1", api_key_id=key_id, api_key_name="k")
    return profiles_.save(store.Profile.from_credentials(name, creds), creds.apikey)


@pytest.mark.parametrize(
    ("shell", "fmt"),
    [
        ("posix", "env"),
        ("bat", "cmd"),
        ("cmd", "cmd"),
        ("powershell", "powershell"),
        ("powershell5", "powershell"),
    ],
)
def test_the_shell_option_chooses_the_env_format(shell: str, fmt: str) -> None:
    assert profiles.env_format(shell) == fmt


def test_keys_described_as_ours_are_recognised() -> None:
    from openscale_creds.workflow.keys import key_description

    assert apikeys.is_ours(ApiKey("a", "ApiKey-1", None, key_description("X", "guid")))
    assert apikeys.is_ours(ApiKey("a", "ApiKey-1", None, "created by openscale-creds"))
    assert not apikeys.is_ours(ApiKey("a", "ApiKey-1", None, "mine"))
    assert not apikeys.is_ours(ApiKey("a", "ApiKey-1", None, None))


def test_a_declined_confirmation_deletes_nothing(tmp_path: Path) -> None:
    cloud = FakeCloud()
    cloud.existing_keys = [ApiKey("k", "ApiKey-1", None)]
    store_ = file_store(tmp_path)
    saved(store_, "prod", "ApiKey-1")
    asked: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    with pytest.raises(errors.Refused, match="not confirmed"):
        apikeys.delete_key(cloud, store_, "k", QuietUi(), confirm=decline, yes=False)
    assert asked == ["Delete API key k (ApiKey-1), held by profile prod?"]
    assert cloud.deleted == [] and store_.find("prod") is not None


def test_deleting_a_key_drops_the_profile_that_held_it(tmp_path: Path) -> None:
    cloud = FakeCloud()
    cloud.existing_keys = [ApiKey("k", "ApiKey-1", None), ApiKey("other", "ApiKey-2", None)]
    store_ = file_store(tmp_path)
    saved(store_, "prod", "ApiKey-1")
    saved(store_, "keep", "ApiKey-2")

    apikeys.delete_key(cloud, store_, "ApiKey-1", QuietUi(), confirm=None, yes=True)

    assert cloud.deleted == ["ApiKey-1"]
    assert [p.name for p in store_.list()] == ["keep"]


def test_two_keys_of_one_name_are_ambiguous(tmp_path: Path) -> None:
    cloud = FakeCloud()
    cloud.existing_keys = [ApiKey("twin", "ApiKey-1", None), ApiKey("twin", "ApiKey-2", None)]
    with pytest.raises(errors.Ambiguous, match="ApiKey-1, ApiKey-2"):
        apikeys.delete_key(cloud, file_store(tmp_path), "twin", QuietUi(), confirm=None, yes=True)
    assert cloud.deleted == []


def test_removing_a_profile_without_a_key_id_removes_nothing(tmp_path: Path) -> None:
    store_ = file_store(tmp_path)
    saved(store_, "prod", None)
    cloud = FakeCloud()

    with pytest.raises(errors.UsageError, match="records no API key id") as caught:
        profiles.remove_profile(lambda: cloud, store_, "prod", QuietUi(), keep_key=False)

    assert "--keep-key" in str(caught.value)
    assert store_.find("prod") is not None and cloud.calls == []


def test_a_profile_whose_key_no_longer_logs_in_is_deleted_with_the_users_session(tmp_path: Path) -> None:
    store_ = file_store(tmp_path)
    saved(store_, "prod", "ApiKey-9")
    cloud = FakeCloud(fail={"login_apikey": errors.NotLoggedIn("login with the API key failed")})

    profiles.remove_profile(lambda: cloud, store_, "prod", QuietUi(), keep_key=False)

    deletes = [(a, k) for name, a, k in cloud.calls if name == "delete_api_key"]
    assert deletes == [(("ApiKey-9",), {"home": None})]  # the user's session, not a private one
    assert store_.find("prod") is None


def test_a_key_that_cannot_be_deleted_keeps_the_profile(tmp_path: Path) -> None:
    store_ = file_store(tmp_path)
    saved(store_, "prod", "ApiKey-9")
    cloud = FakeCloud(fail={"delete_api_key": errors.CommandFailed("server error")})

    with pytest.raises(errors.CommandFailed, match="nothing was removed"):
        profiles.remove_profile(lambda: cloud, store_, "prod", QuietUi(), keep_key=False)

    assert store_.find("prod") is not None
    assert store_.credentials("prod").apikey == NEW_KEY


def test_exec_on_windows_refuses_a_batch_file_rather_than_run_it_through_cmd(tmp_path: Path) -> None:
    from openscale_creds import runner

    script = tmp_path / "tool.cmd"
    script.write_text("@echo off\n", encoding="utf-8")
    with pytest.raises(errors.CannotRun, match="batch file") as caught:
        runner.find_program(str(script), None, platform="win32")
    assert caught.value.exit_code == 126


@pytest.mark.parametrize(("name", "code"), [("no-such-program-xyz", 127), ("not-exec", 126)])
def test_exec_says_not_found_or_cannot_run_as_a_shell_would(tmp_path: Path, name: str, code: int) -> None:
    from openscale_creds import runner

    (tmp_path / "not-exec").write_text("#!/bin/sh\n", encoding="utf-8")
    with pytest.raises(errors.CredsError) as caught:
        runner.find_program(name, str(tmp_path), platform="linux")
    assert caught.value.exit_code == code
