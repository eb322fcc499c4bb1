"""Keys in a real keychain: gnome-keyring-daemon's Secret Service on a private D-Bus session bus
(tests/_secret_service.py), used through real processes as the CLI will use it. Skipped, with the
reason, where gnome-keyring is not installed; .ci/run installs it.

What must hold: the key goes to the keychain and nowhere on disk; it reads back in another process;
replacing, moving and deleting leave exactly one copy or none; a locked keychain is an error with the
fix (exit 10), never a silent fall-back to a file; and no keychain reachable is said, not guessed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _secret_service import MISSING, SecretService, no_dbus_env, running
from _store_helpers import KEY, OTHER_KEY, config_dir, files_text, store_call
from openscale_creds import errors, keychain

needs_secret_service = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    with running(tmp_path_factory.mktemp("secret-service")) as service:
        yield service


@pytest.fixture
def service(shared_service: SecretService) -> Iterator[SecretService]:
    """The shared Secret Service, emptied of openscale-creds entries after each test (the keychain
    is per user, not per config folder, so tests would otherwise see each other's entries)."""
    yield shared_service
    shared_service.clear()


_SAVE = """
from openscale_creds.credentials import Credentials
creds = Credentials(apikey="{key}", instance_guid="guid-1", api_key_id="ApiKey-1")
saved = store.ProfileStore({store}).save(store.Profile.from_credentials("{name}", creds), creds.apikey)
result = saved.secret.describe()
"""


def save(env: dict[str, str], key: str = KEY, name: str = "prod", store: str | None = None) -> Any:
    ran = store_call(_SAVE.format(key=key, name=name, store=f"store={store!r}" if store else ""), env)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout), ran.stderr


def call(body: str, env: dict[str, str] | dict[str, str | None]) -> Any:
    ran = store_call(body, env)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


@needs_secret_service
def test_the_key_goes_to_the_keychain_and_nowhere_on_disk(
    isolated_home: Path, service: SecretService
) -> None:
    outcome, stderr = save(service.env)
    assert outcome == {"ok": "keychain"}
    assert stderr == ""
    assert service.items() == [("prod", KEY)]
    assert KEY not in files_text(config_dir(isolated_home))
    assert not (config_dir(isolated_home) / "secrets.json").exists()


@needs_secret_service
def test_another_process_reads_the_key_back_from_the_keychain(
    isolated_home: Path, service: SecretService
) -> None:
    save(service.env)
    outcome = call("result = store.ProfileStore().credentials('prod').apikey", service.env)
    assert outcome == {"ok": KEY}


@needs_secret_service
def test_saving_a_profile_again_replaces_its_keychain_entry(
    isolated_home: Path, service: SecretService
) -> None:
    save(service.env)
    save(service.env, key=OTHER_KEY)
    assert service.items() == [("prod", OTHER_KEY)]


@needs_secret_service
def test_delete_removes_the_keychain_entry_and_the_profile(
    isolated_home: Path, service: SecretService
) -> None:
    save(service.env)
    save(service.env, key=OTHER_KEY, name="dev")
    removed = call("result = store.ProfileStore().delete('prod').api_key_id", service.env)
    assert removed == {"ok": "ApiKey-1"}
    assert service.items() == [("dev", OTHER_KEY)]
    again = call(
        "result = [store.ProfileStore().delete('prod'), [p.name for p in store.ProfileStore().list()]]",
        service.env,
    )
    assert again == {"ok": [None, ["dev"]]}


@needs_secret_service
def test_moving_a_profile_to_the_plain_file_leaves_no_copy_in_the_keychain(
    isolated_home: Path, service: SecretService
) -> None:
    save(service.env)
    outcome, _ = save(service.env, key=OTHER_KEY, store="file")
    assert outcome["ok"].startswith("plain file ")
    assert service.items() == []
    back, _ = save(service.env, key=KEY)
    assert back == {"ok": "keychain"}
    assert OTHER_KEY not in files_text(config_dir(isolated_home))
    assert service.items() == [("prod", KEY)]


@needs_secret_service
def test_pointing_a_profile_at_a_printed_key_removes_its_keychain_entry(
    isolated_home: Path, service: SecretService
) -> None:
    save(service.env)
    outcome = call(
        """
        old = store.ProfileStore().get("prod")
        import dataclasses
        result = store.ProfileStore().save(dataclasses.replace(old, secret=store.NOT_KEPT)).secret.describe()
        """,
        service.env,
    )
    assert outcome == {"ok": "printed, not kept"}
    assert service.items() == []


@needs_secret_service
def test_a_profile_kept_in_the_keychain_is_refused_where_no_keychain_works(
    isolated_home: Path, service: SecretService, tmp_path: Path
) -> None:
    save(service.env)
    outcome = call("result = store.ProfileStore().credentials('prod').apikey", no_dbus_env(tmp_path))
    assert outcome["error"] == "Refused" and outcome["exit"] == 10
    assert "keeps its key in the keychain, but no keychain works here" in outcome["message"]
    assert KEY not in json.dumps(outcome)


# --- a locked keychain: an error with the fix, never a silent fall-back --------------------------------


@pytest.fixture
def locked_later(tmp_path: Path) -> Iterator[SecretService]:
    """A Secret Service of its own, so locking it cannot disturb the other tests."""
    with running(tmp_path / "own-service") as service:
        yield service


@needs_secret_service
def test_a_locked_keychain_refuses_to_store_and_nothing_falls_back_to_a_file(
    isolated_home: Path, locked_later: SecretService
) -> None:
    locked_later.lock()
    ran = store_call(_SAVE.format(key=KEY, name="prod", store=""), locked_later.env)
    outcome = json.loads(ran.stdout)
    assert outcome["error"] == "Refused" and outcome["exit"] == 10
    assert "is locked" in outcome["message"] and "cannot be stored" in outcome["message"]
    assert "unlock" in outcome["message"] and "--store file" in outcome["message"]
    assert KEY not in ran.stdout + ran.stderr
    folder = config_dir(isolated_home)
    assert not (folder / "secrets.json").exists()
    assert not (folder / "profiles.json").exists()


@needs_secret_service
def test_a_locked_keychain_refuses_to_read_and_to_delete_and_keeps_the_profile(
    isolated_home: Path, locked_later: SecretService
) -> None:
    save(locked_later.env)
    locked_later.lock()
    read = call("result = store.ProfileStore().credentials('prod').apikey", locked_later.env)
    assert read["error"] == "Refused" and "cannot be read" in read["message"]
    deleted = call("result = store.ProfileStore().delete('prod').name", locked_later.env)
    assert deleted["error"] == "Refused" and "locked" in deleted["message"]
    listed = call("result = [p.name for p in store.ProfileStore().list()]", locked_later.env)
    assert listed == {"ok": ["prod"]}


@needs_secret_service
def test_forcing_a_delete_past_a_locked_keychain_removes_the_profile_and_says_what_was_left(
    isolated_home: Path, locked_later: SecretService
) -> None:
    save(locked_later.env)
    locked_later.lock()
    ran = store_call("result = store.ProfileStore().delete('prod', force=True).name", locked_later.env)
    assert json.loads(ran.stdout) == {"ok": "prod"}
    assert "keychain entry of profile 'prod' was left in place" in ran.stderr
    assert call("result = store.ProfileStore().find('prod')", locked_later.env) == {"ok": None}


# --- the keychain module on its own --------------------------------------------------------------------


@needs_secret_service
def test_find_chooses_the_secret_service_when_it_runs(service: SecretService) -> None:
    # In a process of its own: keyring chooses its backend once per process.
    assert call("from openscale_creds import keychain\nresult = keychain.find().label", service.env) == {
        "ok": "SecretService Keyring"
    }


@needs_secret_service
def test_the_keychain_stores_reads_and_deletes_an_entry(
    service: SecretService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keyring.backends import SecretService as secret_service_backend

    for name, value in service.env.items():
        monkeypatch.setenv(name, value)  # the backend looks the bus up on every call
    chain = keychain.Keychain(secret_service_backend.Keyring())
    chain.set("unit", KEY)
    assert service.items() == [("unit", KEY)]
    assert chain.get("unit") == KEY
    assert KEY not in repr(chain)
    assert chain.delete("unit") is True
    assert chain.delete("unit") is False
    assert chain.get("unit") is None
    assert service.items() == []


def test_only_backends_keyring_recommends_count_as_a_keychain() -> None:
    from keyring.backend import KeyringBackend
    from keyring.backends import fail, null

    class Plaintext(KeyringBackend):
        priority = 0.5  # keyrings.alt's PlaintextKeyring: "not recommended"

        def get_password(self, service: str, username: str) -> None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise AssertionError("never written")

        def delete_password(self, service: str, username: str) -> None:
            return None

    class Recommended(Plaintext):
        priority = 5

    assert not keychain.is_keychain(fail.Keyring())
    assert not keychain.is_keychain(null.Keyring())
    assert not keychain.is_keychain(Plaintext())
    assert keychain.is_keychain(Recommended())


def test_a_keychain_error_names_the_backend_and_never_carries_the_key() -> None:
    from keyring.backend import KeyringBackend

    class Denied(KeyringBackend):
        priority = 5

        def get_password(self, service: str, username: str) -> None:
            raise PermissionError(13, "access denied")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise RuntimeError(f"cannot store {password} for {username}")

        def delete_password(self, service: str, username: str) -> None:
            raise RuntimeError("no")

    chain = keychain.Keychain(Denied())
    with pytest.raises(errors.Refused) as stored:
        chain.set("prod", KEY)
    assert KEY not in str(stored.value)
    assert "refused to store the key of profile 'prod': RuntimeError" in str(stored.value)
    assert "--store file" in str(stored.value)
    with pytest.raises(errors.Refused, match=r"refused to read .* PermissionError"):
        chain.get("prod")
