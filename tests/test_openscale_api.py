"""The OpenScale REST client against a real HTTP server on 127.0.0.1 (tests/openscale_server.py)."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from openscale_creds import errors, openscale_api
from openscale_creds.errors import ExitCode
from openscale_creds.openscale_api import (
    SESSION,
    Binding,
    OpenScaleIds,
    Subscription,
    TokenOrigin,
    exchange_api_key,
    fetch_ids,
    ids_field,
    ids_to_document,
    render_ids_text,
)
from openscale_server import (
    CUSTOM_ID,
    DATA_MART_ID,
    FAKE_APIKEY,
    FAKE_TOKEN,
    UNKNOWN_DATA_MART_ID,
    WML_ID,
    FakeOpenScale,
    running_server,
)

TIMEOUT = 5.0


@pytest.fixture
def server() -> Iterator[FakeOpenScale]:
    with running_server() as fake:
        yield fake


def fetch(server: FakeOpenScale, data_mart_id: str = DATA_MART_ID, token: str = FAKE_TOKEN) -> OpenScaleIds:
    return fetch_ids(server.url, data_mart_id, token, timeout=TIMEOUT)


def assert_no_secret(error: errors.CredsError) -> None:
    shown = " ".join([str(error), repr(error), error.message, error.hint or ""])
    assert FAKE_TOKEN not in shown
    assert FAKE_APIKEY not in shown
    # A chained exception would print below ours in a traceback, with whatever it carried.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# -- v2 --------------------------------------------------------------------------------------------


def test_v2_lists_every_engine_and_every_subscription_across_pages(server: FakeOpenScale) -> None:
    ids = fetch(server)

    assert ids.api_version == "v2"
    assert ids.data_mart_id == DATA_MART_ID
    assert ids.bindings == (
        Binding(WML_ID, "WML production", "watson_machine_learning"),
        Binding(CUSTOM_ID, "Custom engine", "custom_machine_learning"),
    )
    assert [(s.name, s.binding_id, s.deployment_id, s.deployment_name) for s in ids.subscriptions] == [
        ("credit-risk", WML_ID, "dep-b1", "credit-risk-prod"),
        ("churn", WML_ID, "dep-b2", "churn-prod"),
        ("fraud", CUSTOM_ID, "dep-b3", "fraud-scoring"),
    ]
    pages = [p for p in server.paths() if "/v2/subscriptions" in p]
    assert len(pages) == 2, "three subscriptions at two per page take two requests"
    assert all(parse_qs(p.split("?", 1)[1])["data_mart_id"] == [DATA_MART_ID] for p in pages)


def test_every_openscale_request_carries_the_bearer_token(server: FakeOpenScale) -> None:
    fetch(server)

    assert server.requests
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {FAKE_TOKEN}"}
    assert {r.headers.get("accept") for r in server.requests} == {"application/json"}


def test_a_service_url_with_a_trailing_slash_works_the_same(server: FakeOpenScale) -> None:
    ids = fetch_ids(server.url + "/", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT)

    assert ids.service_url == server.url
    assert not any("//" in p for p in server.paths())


# -- where v2 lives: /openscale/{GUID}/v2 first, /{GUID}/v2 only when that route is missing ------------


def v2_paths(server: FakeOpenScale) -> list[str]:
    return [p for p in server.paths() if "/v2/" in p and "heartbeat" not in p]


@pytest.mark.parametrize("route", ["both", "openscale"])
def test_v2_is_read_at_the_route_ibms_clients_use(server: FakeOpenScale, route: str) -> None:
    server.scenario.route = route  # type: ignore[assignment]

    ids = fetch(server)

    assert ids.api_version == "v2"
    assert len(ids.subscriptions) == 3, "every page was followed on the same route"
    assert v2_paths(server)
    assert all(p.startswith(f"/openscale/{DATA_MART_ID}/v2/") for p in v2_paths(server))


def test_a_service_with_only_the_older_route_is_read_there_after_one_miss(server: FakeOpenScale) -> None:
    server.scenario.route = "short"

    ids = fetch(server)

    assert ids.api_version == "v2"
    assert len(ids.subscriptions) == 3
    paths = v2_paths(server)
    assert paths[0] == f"/openscale/{DATA_MART_ID}/v2/service_providers"
    assert all(p.startswith(f"/{DATA_MART_ID}/v2/") for p in paths[1:])
    assert not any(p.startswith("/v1/") for p in server.paths()), "a missing route is not a missing v2"


def test_a_gateway_404_in_json_without_openscale_errors_is_a_missing_route(server: FakeOpenScale) -> None:
    server.scenario.route = "short"
    server.scenario.gateway_body = b'{"code": 404, "message": "Not Found"}'

    assert fetch(server).api_version == "v2"


def test_an_unknown_data_mart_on_the_clients_route_is_not_found_without_trying_the_older_route(
    server: FakeOpenScale,
) -> None:
    with pytest.raises(errors.NotFound) as caught:
        fetch(server, UNKNOWN_DATA_MART_ID)

    assert f"no OpenScale data mart {UNKNOWN_DATA_MART_ID}" in str(caught.value)
    assert "check the instance GUID" in str(caught.value)
    assert v2_paths(server) == [f"/openscale/{UNKNOWN_DATA_MART_ID}/v2/service_providers"]


def test_an_unknown_data_mart_on_a_service_with_only_the_older_route_is_not_found(
    server: FakeOpenScale,
) -> None:
    server.scenario.route = "short"

    with pytest.raises(errors.NotFound) as caught:
        fetch(server, UNKNOWN_DATA_MART_ID)

    assert UNKNOWN_DATA_MART_ID in str(caught.value)
    assert "was not found" in str(caught.value)
    assert not any(p.startswith("/v1/") for p in server.paths())


def test_no_v2_route_behind_a_live_heartbeat_blames_the_route_not_the_guid(server: FakeOpenScale) -> None:
    server.scenario.route = "none"

    with pytest.raises(errors.CommandFailed) as caught:
        fetch(server)

    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.COMMAND_FAILED
    assert f"/openscale/{DATA_MART_ID}/v2 or /{DATA_MART_ID}/v2" in message
    assert "not from OpenScale" in message
    assert "GUID" not in message and "data mart" not in message
    assert "--service-url" in message
    assert not any(p.startswith("/v1/") for p in server.paths())


def test_a_service_url_with_a_wrong_path_names_the_routes_tried_not_the_guid(server: FakeOpenScale) -> None:
    with pytest.raises(errors.CommandFailed) as caught:
        fetch_ids(server.url + "/wrong", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT)

    message = str(caught.value)
    assert f"no OpenScale API at {server.url}/wrong" in message
    assert "/v1/data_marts" in message
    assert "GUID" not in message and "data mart" not in message


def test_a_service_url_ending_in_openscale_is_the_same_service(server: FakeOpenScale) -> None:
    ids = fetch_ids(server.url + "/openscale/", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT)

    assert ids.service_url == server.url
    assert v2_paths(server)[0] == f"/openscale/{DATA_MART_ID}/v2/service_providers"


# -- v1 fallback -----------------------------------------------------------------------------------


def test_a_service_without_v2_is_read_through_v1(server: FakeOpenScale) -> None:
    server.scenario.api = "v1"

    ids = fetch(server)

    assert ids.api_version == "v1"
    assert [b.id for b in ids.bindings] == [WML_ID, CUSTOM_ID]
    assert [(s.id, s.binding_id, s.deployment_id, s.deployment_name) for s in ids.subscriptions] == [
        ("v1-sub-c1", WML_ID, "dep-c1", "credit-risk-prod"),
        ("v1-sub-c2", WML_ID, "dep-c2a", "churn-blue"),  # v1: one row per deployment
        ("v1-sub-c2", WML_ID, "dep-c2b", "churn-green"),
        ("v1-sub-c3", CUSTOM_ID, None, None),  # a subscription without deployments still shows
    ]
    assert f"/v1/data_marts/{DATA_MART_ID}/service_bindings/{CUSTOM_ID}/subscriptions" in server.paths()


def test_the_v2_probe_never_receives_the_token(server: FakeOpenScale) -> None:
    server.scenario.api = "v1"

    fetch(server)

    heartbeat = [r for r in server.requests if r.path == "/v2/fairness/heartbeat"]
    assert len(heartbeat) == 1
    assert "authorization" not in heartbeat[0].headers


# -- failures and their exit codes -----------------------------------------------------------------


def test_an_unknown_instance_is_not_found_and_does_not_fall_back_to_v1(server: FakeOpenScale) -> None:
    with pytest.raises(errors.NotFound) as caught:
        fetch(server, UNKNOWN_DATA_MART_ID)

    assert int(caught.value.exit_code) == 5  # ExitCode.NOT_FOUND
    assert UNKNOWN_DATA_MART_ID in str(caught.value)
    assert "was not found" in str(caught.value), "the server's own words are kept"
    assert not any(p.startswith("/v1/") for p in server.paths())
    assert_no_secret(caught.value)


def test_an_unknown_instance_on_a_v1_only_service_is_not_found(server: FakeOpenScale) -> None:
    server.scenario.api = "v1"

    with pytest.raises(errors.NotFound) as caught:
        fetch(server, UNKNOWN_DATA_MART_ID)

    assert caught.value.exit_code == 5
    assert f"/v1/data_marts/{UNKNOWN_DATA_MART_ID}/service_bindings" in server.paths()


@pytest.mark.parametrize("api", ["v2", "v1"])
def test_a_rejected_token_is_not_logged_in_and_points_to_login(server: FakeOpenScale, api: str) -> None:
    server.scenario.api = api  # type: ignore[assignment]

    with pytest.raises(errors.NotLoggedIn) as caught:
        fetch(server, token="fake-expired-token")  # noqa: S106 - an obvious fake

    assert int(caught.value.exit_code) == 4  # ExitCode.NOT_LOGGED_IN
    assert "HTTP 401" in str(caught.value)
    assert "openscale-creds login" in str(caught.value)
    assert "fake-expired-token" not in str(caught.value)


def test_a_rejected_session_token_points_to_commands_that_renew_the_session(server: FakeOpenScale) -> None:
    with pytest.raises(errors.NotLoggedIn) as caught:
        fetch(server, token="fake-expired-token")  # noqa: S106 - an obvious fake

    assert "`openscale-creds login` (or `ibmcloud login`)" in str(caught.value)
    assert "pass a fresh token" not in str(caught.value), "no option takes a token"


def test_a_token_from_a_credentials_file_rejected_by_openscale_points_to_verify(
    server: FakeOpenScale, tmp_path: Path
) -> None:
    origin = TokenOrigin(str(tmp_path / "creds.json"), DATA_MART_ID)

    with pytest.raises(errors.NotLoggedIn) as caught:
        fetch_ids(server.url, DATA_MART_ID, "fake-other-token", timeout=TIMEOUT, origin=origin)

    assert f"the key in {tmp_path / 'creds.json'}" in caught.value.message
    assert f"`openscale-creds verify {tmp_path / 'creds.json'}`" in str(caught.value)
    assert "login" not in str(caught.value), "a new session would not change the key in the file"


@pytest.mark.parametrize("origin", [SESSION, TokenOrigin("creds.json", UNKNOWN_DATA_MART_ID)])
def test_an_instance_the_token_may_not_access_names_the_guid(
    server: FakeOpenScale, origin: TokenOrigin
) -> None:
    server.scenario.unknown_data_mart_status = 403

    with pytest.raises(errors.NotLoggedIn) as caught:
        fetch_ids(server.url, UNKNOWN_DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT, origin=origin)

    assert f"refused access to instance {UNKNOWN_DATA_MART_ID} (HTTP 403)" in str(caught.value)
    assert "check the GUID" in str(caught.value)
    expected = "`ibmcloud target`" if origin is SESSION else "`openscale-creds verify creds.json`"
    assert expected in str(caught.value)


def test_a_dead_key_from_a_credentials_file_points_to_a_new_file_not_to_login_or_rotate(
    server: FakeOpenScale,
) -> None:
    server.scenario.apikeys.clear()
    origin = TokenOrigin("my creds.json", DATA_MART_ID)

    with pytest.raises(errors.NotLoggedIn) as caught:
        exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=TIMEOUT, origin=origin)

    assert caught.value.hint is not None
    assert caught.value.hint.endswith(
        f"`openscale-creds setup {DATA_MART_ID} --out 'my creds.json' --force`"
    ), "quoted so that it works when pasted"
    assert "login" not in str(caught.value) and "rotate" not in str(caught.value)


def test_a_dead_key_of_unknown_origin_points_to_the_key_list(server: FakeOpenScale) -> None:
    server.scenario.apikeys.clear()

    with pytest.raises(errors.NotLoggedIn) as caught:
        exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=TIMEOUT)

    assert "`ibmcloud iam api-keys`" in str(caught.value)
    assert "openscale-creds login" not in str(caught.value)


def _hints(server: FakeOpenScale, tmp_path: Path) -> list[errors.CredsError]:
    """Every hint this module can print, from real failures."""
    file_origin = TokenOrigin(str(tmp_path / "c.json"), DATA_MART_ID)
    calls: list[Callable[[], object]] = [
        lambda: fetch(server, token="fake-expired-token"),  # noqa: S106 - an obvious fake
        lambda: fetch_ids(server.url, DATA_MART_ID, "fake-x", timeout=TIMEOUT, origin=file_origin),
        lambda: fetch(server, UNKNOWN_DATA_MART_ID),
        lambda: fetch_ids(server.url + "/wrong", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT),
        lambda: exchange_api_key("fake-dead-key", iam_url=server.iam_url, timeout=TIMEOUT),
        lambda: exchange_api_key(
            "fake-dead-key", iam_url=server.iam_url, timeout=TIMEOUT, origin=file_origin
        ),
    ]
    caught: list[errors.CredsError] = []
    for call in calls:
        with pytest.raises(errors.CredsError) as failure:
            call()
        caught.append(failure.value)
    server.scenario.unknown_data_mart_status = 403
    for origin in (SESSION, file_origin):
        with pytest.raises(errors.CredsError) as failure:
            fetch_ids(server.url, UNKNOWN_DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT, origin=origin)
        caught.append(failure.value)
    server.scenario.route = "none"
    with pytest.raises(errors.CredsError) as failure:
        fetch(server)
    caught.append(failure.value)
    return caught


def test_every_hint_is_one_line_and_names_only_real_commands_and_options(
    server: FakeOpenScale, tmp_path: Path
) -> None:
    import shlex

    import click
    import typer
    from openscale_creds.cli import app

    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    pasted = 0
    for error in _hints(server, tmp_path):
        assert "\n" not in str(error)
        for command in re.findall(r"`([^`]+)`", error.hint or ""):
            argv = shlex.split(command)
            if argv[0] == "ibmcloud":
                assert argv[1:] in (["login"], ["target"], ["iam", "api-keys"]), command
                continue
            assert argv[0] == "openscale-creds", command
            sub = root.get_command(click.Context(root), argv[1])  # the root loads commands lazily
            assert sub is not None, f"no command {argv[1]!r}: {command}"
            known = {opt for param in sub.params for opt in param.opts}
            assert all(a in known for a in argv[2:] if a.startswith("-")), command
            pasted += 1
    assert pasted >= 4, "the hints name openscale-creds commands"


def test_a_server_error_is_command_failed_with_the_server_message_and_without_the_token(
    server: FakeOpenScale,
) -> None:
    server.scenario.fail_status = 500  # the fake echoes the Authorization header into its message

    with pytest.raises(errors.CommandFailed) as caught:
        fetch(server)

    message = str(caught.value)
    assert int(caught.value.exit_code) == 8  # ExitCode.COMMAND_FAILED
    assert "HTTP 500" in message
    assert "database unavailable" in message
    assert "***" in message
    assert_no_secret(caught.value)


def test_an_error_body_that_is_not_json_is_shown_cut_to_200_characters(server: FakeOpenScale) -> None:
    server.scenario.fail_status = 503
    server.scenario.fail_body = "upstream " + "x" * 1000

    with pytest.raises(errors.CommandFailed) as caught:
        fetch(server)

    shown = str(caught.value).split(": ", 1)[1]
    assert shown.startswith("upstream xxx")
    assert len(shown) == 200


def test_a_slow_server_times_out_within_the_timeout(server: FakeOpenScale) -> None:
    server.scenario.delay = 10

    started = time.monotonic()
    with pytest.raises(errors.TimedOut) as caught:
        fetch_ids(server.url, DATA_MART_ID, FAKE_TOKEN, timeout=0.3)

    assert int(caught.value.exit_code) == 9  # ExitCode.TIMEOUT
    assert time.monotonic() - started < 3
    assert_no_secret(caught.value)


@pytest.mark.parametrize("stall", ["drip", "headers", "body"])
def test_a_server_that_holds_its_answer_back_times_out_within_the_timeout(
    server: FakeOpenScale, stall: str
) -> None:
    server.scenario.stall = stall  # type: ignore[assignment]
    server.scenario.drip_interval = 0.1  # well within the timeout, each byte alone would never time out

    started = time.monotonic()
    with pytest.raises(errors.TimedOut) as caught:
        fetch_ids(server.url, DATA_MART_ID, FAKE_TOKEN, timeout=1)
    elapsed = time.monotonic() - started

    assert 1 <= elapsed < 2.5
    assert caught.value.exit_code == ExitCode.TIMEOUT
    assert "within 1 s" in str(caught.value)
    assert_no_secret(caught.value)


def test_an_iam_that_drips_its_answer_times_out_within_the_timeout(server: FakeOpenScale) -> None:
    server.scenario.stall = "drip"
    server.scenario.drip_interval = 0.1

    started = time.monotonic()
    with pytest.raises(errors.TimedOut):
        exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=1)

    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(
    server: FakeOpenScale, timeout: float
) -> None:
    with pytest.raises(errors.UsageError, match="positive number of seconds"):
        fetch_ids(server.url, DATA_MART_ID, FAKE_TOKEN, timeout=timeout)

    assert server.requests == []


BAD_BODIES = {
    "nested deeply": b'{"service_providers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "an integer over the digit limit": b'{"service_providers": [], "n": ' + b"7" * 5000 + b"}",
    "not UTF-8": b'{"service_providers": [{"metadata": {"id": "\xff\xfe"}}]}',
}


@pytest.mark.parametrize("body", list(BAD_BODIES))
def test_a_body_no_json_reader_should_take_is_command_failed_in_one_line(
    server: FakeOpenScale, body: str
) -> None:
    server.scenario.ok_body = BAD_BODIES[body]

    with pytest.raises(errors.CommandFailed) as caught:
        fetch(server)

    assert caught.value.exit_code == ExitCode.COMMAND_FAILED
    assert "from 127.0.0.1" in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300
    assert_no_secret(caught.value)


@pytest.mark.parametrize("body", list(BAD_BODIES))
def test_iam_bodies_follow_the_same_rules(server: FakeOpenScale, body: str) -> None:
    server.scenario.iam_ok_body = BAD_BODIES[body].replace(b"service_providers", b"access_token")

    with pytest.raises(errors.CommandFailed) as caught:
        exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=TIMEOUT)

    assert "the IAM token response" in str(caught.value)
    assert_no_secret(caught.value)


def test_a_deeply_nested_error_body_is_quoted_not_a_crash(server: FakeOpenScale) -> None:
    server.scenario.fail_status = 500
    server.scenario.fail_body = "[" * 100_000

    with pytest.raises(errors.CommandFailed, match=r"HTTP 500 .*: \[\[\["):
        fetch(server)


@pytest.mark.parametrize("announced", [True, False], ids=["announced", "read"])
def test_a_body_over_the_cap_is_command_failed_and_not_read_to_the_end(
    server: FakeOpenScale, monkeypatch: pytest.MonkeyPatch, announced: bool
) -> None:
    monkeypatch.setattr(openscale_api, "MAX_BODY", 64 * 1024)
    server.scenario.ok_body = b'{"service_providers": [' + b'"x",' * 50_000 + b'"x"]}'
    server.scenario.no_length = not announced

    with pytest.raises(errors.CommandFailed, match="larger than 0 MiB; stopped reading"):
        fetch(server)


def test_a_long_error_page_is_read_only_in_part_and_shown_cut(server: FakeOpenScale) -> None:
    server.scenario.fail_status = 502
    server.scenario.fail_body = "gateway trouble " + "y" * 1_000_000

    with pytest.raises(errors.CommandFailed, match=r"HTTP 502 .*gateway trouble y+\.\.\.$"):
        fetch(server)


def test_a_closed_port_is_command_failed_naming_the_host() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket closes

    with pytest.raises(errors.CommandFailed) as caught:
        fetch_ids(f"http://127.0.0.1:{port}", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT)

    assert "cannot reach 127.0.0.1" in str(caught.value)
    assert_no_secret(caught.value)


def test_an_answer_that_is_not_json_is_unrecognised_output(server: FakeOpenScale) -> None:
    server.scenario.ok_body = b"<html>maintenance</html>"

    with pytest.raises(errors.UnrecognisedOutput) as caught:
        fetch(server)

    assert caught.value.exit_code == ExitCode.UNRECOGNISED_OUTPUT
    assert "not JSON" in str(caught.value)


def test_an_engine_without_an_id_is_refused_rather_than_half_read(server: FakeOpenScale) -> None:
    del server.scenario.providers[1]["metadata"]["id"]

    with pytest.raises(errors.UnrecognisedOutput, match=r"metadata\.id \(item 2\)"):
        fetch(server)


# -- what the client refuses to do -----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: fetch_ids("http://api.aiopenscale.example.com", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT),
        lambda: exchange_api_key(
            FAKE_APIKEY, iam_url="http://iam.example.com/identity/token", timeout=TIMEOUT
        ),
    ],
    ids=["service", "iam"],
)
def test_plain_http_to_a_remote_host_is_refused_with_the_fix(call: Callable[[], object]) -> None:
    with pytest.raises(errors.UsageError) as caught:
        call()

    assert caught.value.exit_code == ExitCode.USAGE
    assert "refusing plain http://" in str(caught.value)
    assert "use https://" in str(caught.value)
    assert_no_secret(caught.value)


def test_plain_http_to_ipv6_loopback_is_allowed() -> None:
    # Nothing listens on port 1, so getting as far as "cannot reach" proves the URL was accepted.
    with pytest.raises(errors.CommandFailed, match="cannot reach ::1"):
        fetch_ids("http://[::1]:1", DATA_MART_ID, FAKE_TOKEN, timeout=TIMEOUT)


def test_a_next_link_to_another_host_is_refused_before_the_token_goes_there(server: FakeOpenScale) -> None:
    server.scenario.next_link_origin = "https://collector.example.net"

    with pytest.raises(errors.Refused) as caught:
        fetch(server)

    assert caught.value.exit_code == ExitCode.REFUSED
    assert "collector.example.net" in str(caught.value)
    assert len([p for p in server.paths() if "/v2/subscriptions" in p]) == 1


def test_pagination_that_never_ends_stops_at_the_page_cap(
    server: FakeOpenScale, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openscale_api, "MAX_PAGES", 5)
    server.scenario.endless_pages = True

    with pytest.raises(errors.UnrecognisedOutput, match="more than 5 pages"):
        fetch(server)

    assert len([p for p in server.paths() if "/v2/subscriptions" in p]) == 5


def test_a_redirect_is_not_followed_so_the_token_stays_with_the_named_host(server: FakeOpenScale) -> None:
    server.scenario.redirect_to = "https://elsewhere.example.org/steal"

    with pytest.raises(errors.CommandFailed) as caught:
        fetch(server)

    assert "elsewhere.example.org" in str(caught.value)
    assert "not followed" in str(caught.value)
    assert len(server.requests) == 1


# -- IAM -------------------------------------------------------------------------------------------


def test_an_api_key_is_exchanged_for_the_access_token(server: FakeOpenScale) -> None:
    token = exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=TIMEOUT)

    assert token == FAKE_TOKEN
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/identity/token")
    assert parse_qs(request.body.decode()) == {
        "grant_type": ["urn:ibm:params:oauth:grant-type:apikey"],
        "apikey": [FAKE_APIKEY],
    }
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert "authorization" not in request.headers
    assert FAKE_APIKEY not in request.path


def test_a_rejected_api_key_is_not_logged_in_without_the_key_in_the_message(server: FakeOpenScale) -> None:
    with pytest.raises(errors.NotLoggedIn) as caught:
        exchange_api_key("fake-deleted-apikey-1111", iam_url=server.iam_url, timeout=TIMEOUT)

    assert caught.value.exit_code == ExitCode.NOT_LOGGED_IN
    assert str(caught.value).startswith("IAM rejected the API key: Provided API key could not be found.")
    assert "fake-deleted-apikey-1111" not in str(caught.value)


def test_a_slow_iam_times_out(server: FakeOpenScale) -> None:
    server.scenario.delay = 10

    with pytest.raises(errors.TimedOut) as caught:
        exchange_api_key(FAKE_APIKEY, iam_url=server.iam_url, timeout=0.3)

    assert_no_secret(caught.value)


# -- no secret in any failure ----------------------------------------------------------------------


def _rejected_token(s: FakeOpenScale) -> object:
    return fetch(s, token=FAKE_TOKEN + "-x")


def _unknown_instance(s: FakeOpenScale) -> object:
    return fetch(s, UNKNOWN_DATA_MART_ID)


def _server_error(s: FakeOpenScale) -> object:
    s.scenario.fail_status = 500
    return fetch(s)


def _token_echoed_in_plain_text(s: FakeOpenScale) -> object:
    s.scenario.fail_status = 502
    s.scenario.fail_body = "bad gateway; your header was {authorization}"
    return fetch(s)


def _redirect(s: FakeOpenScale) -> object:
    s.scenario.redirect_to = "http://127.0.0.1:9/x"
    return fetch(s)


def _iam_rejects(s: FakeOpenScale) -> object:
    s.scenario.apikeys.clear()
    return exchange_api_key(FAKE_APIKEY, iam_url=s.iam_url, timeout=TIMEOUT)


def _iam_wrong_path(s: FakeOpenScale) -> object:
    return exchange_api_key(FAKE_APIKEY, iam_url=s.url + "/nowhere", timeout=TIMEOUT)


SCENARIOS: dict[str, Callable[[FakeOpenScale], object]] = {
    "401": _rejected_token,
    "404": _unknown_instance,
    "500": _server_error,
    "502 echoing the token in plain text": _token_echoed_in_plain_text,
    "redirect": _redirect,
    "iam rejects": _iam_rejects,
    "iam 404": _iam_wrong_path,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_failure_message_contains_the_token_or_the_api_key(server: FakeOpenScale, scenario: str) -> None:
    with pytest.raises(errors.CredsError) as caught:
        SCENARIOS[scenario](server)

    assert_no_secret(caught.value)


# -- rendering -------------------------------------------------------------------------------------

IDS = OpenScaleIds(
    data_mart_id=DATA_MART_ID,
    service_url="https://api.aiopenscale.cloud.ibm.com",
    api_version="v2",
    bindings=(Binding("sp-1", "WML production", "watson_machine_learning"), Binding("sp-2", None, None)),
    subscriptions=(
        Subscription("sub-1", "credit-risk", "sp-1", "dep-1", "credit-risk-prod"),
        Subscription("sub-2", "churn\x1b[2J", "sp-1", "dep-2", None),
    ),
)


def test_the_text_view_starts_with_the_data_mart_id_then_two_aligned_tables() -> None:
    text = render_ids_text(IDS)
    lines = text.splitlines()

    assert lines[0] == f"Data mart ID:  {DATA_MART_ID}"
    engines = lines.index("ML engines (2)")
    assert lines[engines + 1].split() == ["ID", "NAME", "TYPE"]
    assert lines[engines + 2].split("  ")[0] == "sp-1"
    assert lines[engines + 3].split() == ["sp-2", "-", "-"], "missing values show as '-'"
    subs = lines.index("Subscriptions (2)")
    header, first = lines[subs + 1], lines[subs + 2]
    assert header.split() == ["ID", "NAME", "BINDING", "ID", "DEPLOYMENT", "ID", "DEPLOYMENT", "NAME"]
    for column, value in [("NAME", "credit-risk"), ("BINDING ID", "sp-1"), ("DEPLOYMENT ID", "dep-1")]:
        assert first.index(value) == header.index(column), f"{column} lines up"
    assert "\x1b" not in text, "a control character from the server never reaches the terminal"
    assert "churn?[2J" in text


def test_the_text_view_says_none_for_an_empty_data_mart() -> None:
    empty = OpenScaleIds(DATA_MART_ID, "https://x.example", "v1", (), ())

    text = render_ids_text(empty)

    assert "ML engines (0)\n(none)\n" in text
    assert "Subscriptions (0)\n(none)\n" in text


def test_the_document_holds_every_id_and_survives_json() -> None:
    document = ids_to_document(IDS)

    assert json.loads(json.dumps(document)) == document
    assert document["data_mart_id"] == DATA_MART_ID
    assert document["api_version"] == "v2"
    assert document["bindings"][1] == {"id": "sp-2", "name": None, "type": None}
    assert document["subscriptions"][0] == {
        "id": "sub-1",
        "name": "credit-risk",
        "binding_id": "sp-1",
        "deployment_id": "dep-1",
        "deployment_name": "credit-risk-prod",
    }


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("data_mart_id", DATA_MART_ID),
        ("api_version", "v2"),
        ("binding_ids", "sp-1\nsp-2"),
        ("subscription_ids", "sub-1\nsub-2"),
        ("deployment_ids", "dep-1\ndep-2"),
    ],
)
def test_a_field_prints_one_value_per_line(field: str, expected: str) -> None:
    assert ids_field(IDS, field) == expected


def test_v1_rows_of_one_subscription_give_its_id_once() -> None:
    ids = OpenScaleIds(
        DATA_MART_ID,
        "https://x.example",
        "v1",
        (Binding("b", None, None),),
        (Subscription("s", None, "b", "d1", None), Subscription("s", None, "b", "d2", None)),
    )

    assert ids_field(ids, "subscription_ids") == "s"
    assert ids_field(ids, "subscription_id") == "s"
    assert ids_field(ids, "deployment_ids") == "d1\nd2"


def test_a_singular_field_refuses_to_pick_one_of_several() -> None:
    with pytest.raises(errors.Ambiguous, match="2 values for binding_id") as caught:
        ids_field(IDS, "binding_id")

    assert "--field binding_ids" in str(caught.value)


def test_a_singular_field_with_no_value_is_not_found() -> None:
    empty = OpenScaleIds(DATA_MART_ID, "https://x.example", "v2", (), ())

    with pytest.raises(errors.NotFound):
        ids_field(empty, "deployment_id")
    assert ids_field(empty, "deployment_ids") == ""


def test_an_unknown_field_is_a_usage_error_listing_the_names() -> None:
    with pytest.raises(errors.UsageError) as caught:
        ids_field(IDS, "guid")

    assert "'guid'" in str(caught.value)
    for name in openscale_api.ID_FIELDS:
        assert name in str(caught.value)
