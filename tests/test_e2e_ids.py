"""End to end: `openscale-creds ids` against a real HTTP server on loopback and the fake ibmcloud."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _e2e import DEMO_KEY, INSTANCE, INSTANCE_GUID, World
from conftest import FAKE_IBMCLOUD, run_cli
from openscale_server import DATA_MART_ID, FAKE_APIKEY, FAKE_TOKEN, FakeOpenScale, running_server


@pytest.fixture
def server() -> Iterator[FakeOpenScale]:
    with running_server() as s:
        yield s


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def credentials_file(tmp_path: Path, server: FakeOpenScale) -> Path:
    path = tmp_path / "creds.json"
    creds = {
        "apikey": FAKE_APIKEY,
        "instance_guid": DATA_MART_ID,
        "service_instance_id": DATA_MART_ID,
        "data_mart_id": DATA_MART_ID,
        "url": server.url,
        "region": "us-south",
    }
    path.write_text(json.dumps(creds), encoding="utf-8")
    return path


def server_env(server: FakeOpenScale) -> dict[str, str]:
    return {"OPENSCALE_CREDS_IAM_URL": server.iam_url}


def test_ids_from_a_credentials_file_prints_the_data_mart_and_tables(
    tmp_path: Path, server: FakeOpenScale
) -> None:
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 0, done.stderr
    assert DATA_MART_ID in done.stdout.splitlines()[0]
    assert "subscription" in done.stdout.lower()
    assert FAKE_TOKEN not in done.stdout + done.stderr
    assert FAKE_APIKEY not in done.stdout + done.stderr


def test_ids_json_is_a_document_with_bindings_and_subscriptions(
    tmp_path: Path, server: FakeOpenScale
) -> None:
    args = ["ids", "--credentials", str(credentials_file(tmp_path, server)), "--format", "json"]
    done = run_cli(args, env=server_env(server))
    doc = json.loads(done.stdout)
    assert doc["data_mart_id"] == DATA_MART_ID
    assert doc["bindings"] and doc["subscriptions"]
    assert all(s["deployment_id"] for s in doc["subscriptions"])


def test_ids_field_prints_one_value_per_line_for_scripts(tmp_path: Path, server: FakeOpenScale) -> None:
    args = ["ids", "--credentials", str(credentials_file(tmp_path, server)), "--field", "subscription_ids"]
    done = run_cli(args, env=server_env(server))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) >= 3 and all(lines)  # two pages of subscriptions were followed


def test_ids_falls_back_to_v1_when_v2_is_absent(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.api = "v1"
    args = ["ids", "--credentials", str(credentials_file(tmp_path, server)), "--format", "json"]
    done = run_cli(args, env=server_env(server))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["api_version"] == "v1"


def test_ids_with_a_rejected_key_exits_4(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.apikeys = set()
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 4
    assert FAKE_APIKEY not in done.stderr


def test_ids_for_an_unknown_data_mart_exits_5(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.data_mart_id = "00000000-0000-4000-8000-0000000000ee"
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 5


def test_ids_server_error_exits_8_with_its_message_and_no_token(
    tmp_path: Path, server: FakeOpenScale
) -> None:
    server.scenario.fail_status = 500
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 8
    assert "database unavailable" in done.stderr
    assert FAKE_TOKEN not in done.stderr


def test_ids_times_out_with_exit_9(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.delay = 5
    args = ["--timeout", "0.5", "ids", "--credentials", str(credentials_file(tmp_path, server))]
    done = run_cli(args, env=server_env(server))
    assert done.returncode == 9


def test_ids_with_the_cli_session_uses_its_token_and_the_instance_guid(
    world: World, server: FakeOpenScale
) -> None:
    env = world.env()
    assert run_cli(["login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY}).returncode == 0
    tokens = subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "oauth-tokens", "--output", "json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    token = json.loads(tokens.stdout)["iam_token"].split(" ", 1)[1]
    server.scenario.tokens = {token}
    server.scenario.data_mart_id = INSTANCE_GUID
    done = run_cli(
        ["ids", "--instance", INSTANCE, "--field", "data_mart_id"],
        env={**env, "OPENSCALE_CREDS_SERVICE_URL": server.url},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{INSTANCE_GUID}\n"
    assert all(
        r.headers.get("authorization") == f"Bearer {token}" for r in server.requests if "/v2/" in r.path
    )
    assert token not in done.stderr
