"""End to end: `openscale-creds ids` against a real HTTP server on loopback and the fake ibmcloud."""

from __future__ import annotations

import json
import os
import subprocess
import time
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


# -- routes, limits and hints, through the installed command ----------------------------------------


def test_ids_reads_a_service_with_only_the_older_route(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.route = "short"
    args = ["ids", "--credentials", str(credentials_file(tmp_path, server)), "--format", "json"]
    done = run_cli(args, env=server_env(server))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["api_version"] == "v2"
    assert f"/openscale/{DATA_MART_ID}/v2/service_providers" in server.paths(), "the clients' route first"


def test_ids_with_a_wrong_service_path_exits_8_blaming_the_route_not_the_guid(
    tmp_path: Path, server: FakeOpenScale
) -> None:
    args = [
        "ids",
        "--credentials",
        str(credentials_file(tmp_path, server)),
        "--service-url",
        server.url + "/x",
    ]
    done = run_cli(args, env=server_env(server))
    assert done.returncode == 8
    assert "no OpenScale API at" in done.stderr
    assert "GUID" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("stall", "where"),
    [("drip", "/v2/"), ("headers", "/v2/"), ("body", "/v2/"), ("drip", "/identity/token")],
    ids=["drip", "no-headers", "half-body", "iam-drip"],
)
def test_ids_timeout_bounds_each_request_as_a_whole(
    tmp_path: Path, server: FakeOpenScale, stall: str, where: str
) -> None:
    server.scenario.stall = stall  # type: ignore[assignment]
    server.scenario.stall_on = where  # a byte every half second: no single read ever waits 2 s
    args = ["--timeout", "2", "ids", "--credentials", str(credentials_file(tmp_path, server))]
    started = time.monotonic()
    done = run_cli(args, env=server_env(server))
    elapsed = time.monotonic() - started
    assert done.returncode == 9, done.stderr
    assert elapsed < 2 + 2.5, f"took {elapsed:.1f} s"  # the limit plus start-up on a loaded machine
    assert "within 2 s" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert FAKE_TOKEN not in done.stderr and FAKE_APIKEY not in done.stderr


@pytest.mark.parametrize("iam", [False, True], ids=["openscale", "iam"])
def test_ids_with_deeply_nested_json_from_the_server_exits_8_in_one_line(
    tmp_path: Path, server: FakeOpenScale, iam: bool
) -> None:
    nested = b'{"x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    if iam:
        server.scenario.iam_ok_body = nested
    else:
        server.scenario.ok_body = nested
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 8, done.stderr
    assert "nested too deeply" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_ids_with_a_key_iam_rejects_does_not_suggest_login(tmp_path: Path, server: FakeOpenScale) -> None:
    server.scenario.apikeys = set()
    done = run_cli(["ids", "--credentials", str(credentials_file(tmp_path, server))], env=server_env(server))
    assert done.returncode == 4
    assert "openscale-creds login" not in done.stderr, "a new session does not change the key in the file"
    assert len(done.stderr.strip().splitlines()) == 1
