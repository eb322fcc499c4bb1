"""The OpenScale REST client against a real HTTP server on 127.0.0.1 (tests/openscale_server.py)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

import pytest
from openscale_creds import errors, openscale_api
from openscale_creds.errors import ExitCode
from openscale_creds.openscale_api import (
    Binding,
    OpenScaleIds,
    Subscription,
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
