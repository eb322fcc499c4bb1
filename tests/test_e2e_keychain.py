"""End to end against a real keychain: the installed command, the fake ibmcloud and
gnome-keyring-daemon's Secret Service on a private D-Bus session bus (tests/_secret_service.py).
Skipped, with the reason, where gnome-keyring is not installed; the plain-file store is tested in
tests/test_e2e_profiles.py (no D-Bus at all there).

What must hold: the key lives in the keychain and nowhere on disk; `setup` twice makes one key;
`env`, `exec` and `rotate` read it from there; `remove` leaves neither the entry nor the key; a
locked keychain is an error (exit 10) that deletes the new key, never a fall-back to a file."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _e2e import DEMO_KEY, INSTANCE, INSTANCE_GUID, World
from _secret_service import MISSING, SecretService, running
from _store_helpers import config_dir, files_text
from conftest import run_cli

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    with running(tmp_path_factory.mktemp("secret-service")) as service:
        yield service


@pytest.fixture
def service(shared_service: SecretService) -> Iterator[SecretService]:
    yield shared_service
    shared_service.clear()  # the keychain is per user, not per config folder


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def env(world: World, service: SecretService, **extra: str) -> dict[str, str]:
    return {**world.env(**extra), **service.env}


def setup(world: World, service: SecretService, *extra: str) -> None:
    done = run_cli(
        ["setup", "--instance", INSTANCE, "--group", "Default", "-p", "prod", *extra],
        env={**env(world, service), "IBMCLOUD_API_KEY": DEMO_KEY},
    )
    assert done.returncode == 0, done.stderr
    assert "plain file" not in done.stderr


def argvs(world: World, *words: str) -> list[list[str]]:
    return [argv for argv in world.argvs() if argv[: len(words)] == list(words)]


def test_setup_twice_keeps_one_key_in_the_keychain_and_none_on_disk(
    world: World, service: SecretService, isolated_home: Path
) -> None:
    setup(world, service)
    setup(world, service)
    assert len(argvs(world, "iam", "api-key-create")) == 1
    [(name, key)] = service.items()
    assert name == "prod" and key != DEMO_KEY
    assert key not in files_text(config_dir(isolated_home))
    listed = json.loads(run_cli(["list", "--format", "json"], env=env(world, service)).stdout)
    assert [(row["name"], row["secret"]) for row in listed] == [("prod", "keychain")]


def test_env_and_exec_read_the_key_from_the_keychain(world: World, service: SecretService) -> None:
    setup(world, service)
    [(_name, key)] = service.items()
    shown = run_cli(["env", "-p", "prod", "--format", "json"], env=env(world, service))
    assert json.loads(shown.stdout)["apikey"] == key
    names = "'WATSONX_APIKEY', 'WXG_SERVICE_INSTANCE_ID'"
    code = f"import os, json; print(json.dumps([os.environ[n] for n in ({names})]))"
    ran = run_cli(["exec", "-p", "prod", "--", sys.executable, "-c", code], env=env(world, service))
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [key, INSTANCE_GUID]


def test_rotate_replaces_the_keychain_entry_and_deletes_the_old_key(
    world: World, service: SecretService
) -> None:
    setup(world, service)
    [(_name, old)] = service.items()
    old_id = json.loads(run_cli(["env", "-p", "prod", "--format", "json"], env=env(world, service)).stdout)[
        "api_key_id"
    ]
    done = run_cli(["rotate", "-p", "prod"], env=env(world, service))
    assert done.returncode == 0, done.stderr
    [(_name, new)] = service.items()
    assert new != old
    assert ["iam", "api-key-delete", old_id, "-f"] in world.argvs()
    assert run_cli(["verify", "-p", "prod"], env=env(world, service)).returncode == 0


def test_remove_deletes_the_key_and_the_keychain_entry(world: World, service: SecretService) -> None:
    setup(world, service)
    key_id = json.loads(run_cli(["list", "--format", "json"], env=env(world, service)).stdout)[0][
        "api_key_id"
    ]
    done = run_cli(["remove", "-p", "prod"], env=env(world, service))
    assert done.returncode == 0, done.stderr
    assert ["iam", "api-key-delete", key_id, "-f"] in world.argvs()
    assert service.items() == []


@pytest.fixture
def locked_later(tmp_path: Path) -> Iterator[SecretService]:
    """A Secret Service of its own, so locking it cannot disturb the other tests."""
    with running(tmp_path / "own-service") as service:
        yield service


def test_a_locked_keychain_refuses_and_the_new_key_is_deleted_not_put_in_a_file(
    world: World, locked_later: SecretService, isolated_home: Path
) -> None:
    service = locked_later
    service.lock()
    done = run_cli(
        ["setup", "--instance", INSTANCE, "--group", "Default", "-p", "prod"],
        env={**env(world, service), "IBMCLOUD_API_KEY": DEMO_KEY},
    )
    assert done.returncode == 10
    assert "locked" in done.stderr and "so it was deleted" in done.stderr
    assert len(argvs(world, "iam", "api-key-delete")) == 1
    assert not (config_dir(isolated_home) / "secrets.json").exists()
