"""A loopback stand-in for IBM Watson OpenScale and IBM Cloud IAM, served over real HTTP.

Responses have the shapes of the SDK sources (see the docstring of `openscale_creds.openscale_api`):
v2 under both route forms, `/openscale/{GUID}/v2/...` (every current IBM client) and `/{GUID}/v2/...`
(older SDKs, IBM's API docs page), or only one of them (`route`); a route the fake does not serve
answers as a gateway would (an HTML 404), an unknown data mart on a served route as OpenScale does
(its JSON error document). v2 `{"service_providers": [...]}` and `{"subscriptions": [...]}` (the
latter paged with `next: {"url": ...}`, `limit`, `total_count` when `page_size` is smaller than the
list), v1 `service_bindings` / per-binding `subscriptions`, `GenericErrorResponse` bodies for errors, the
unauthenticated `/v2/fairness/heartbeat`, and IAM's `/identity/token`.

Misbehaving servers for the limits: `stall` holds a response back (`"headers"`: the status line and
no end of headers; `"body"`: the headers and half the body; `"drip"`: the whole response one byte
per `drip_interval`), on every request whose path contains `stall_on`. `ok_body` / `iam_ok_body`
replace a 2xx body with anything (deep JSON, huge numbers, bytes that are not UTF-8).

    with running_server() as server:            # 127.0.0.1, a free port, a daemon thread
        server.scenario.api = "v1"               # knobs are read per request; change them any time
        fetch_ids(server.url, DATA_MART_ID, FAKE_TOKEN, timeout=5)
        server.requests                          # every request: method, path, headers, body

The URL works from another process too (an end-to-end test can pass `server.url` and
`server.iam_url` to the installed command). `python tests/openscale_server.py [--api v1]
[--route short]` serves until interrupted, for trying the command by hand.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

# Obvious fakes: tests search error messages for these strings to prove they never leak.
FAKE_APIKEY = "fake-apikey-for-tests-0000"
FAKE_TOKEN = "fake-bearer-token-for-tests-0000"  # noqa: S105 - an obvious fake
DATA_MART_ID = "00000000-0000-4000-8000-00000000d47a"
UNKNOWN_DATA_MART_ID = "00000000-0000-4000-8000-0000000000ff"

WML_ID = "00000000-0000-4000-8000-0000000000a1"
CUSTOM_ID = "00000000-0000-4000-8000-0000000000a2"

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def _provider(provider_id: str, name: str, service_type: str) -> dict[str, Any]:
    return {
        "metadata": {
            "id": provider_id,
            "url": f"/v2/service_providers/{provider_id}",
            "created_at": "2024-03-01T10:00:00.000Z",
            "created_by": "iam-ServiceId-fake",
        },
        "entity": {
            "name": name,
            "service_type": service_type,
            "instance_id": "fake-ml-instance",
            "status": {"state": "active"},
        },
    }


def _subscription(
    sub_id: str, provider_id: str, asset: str, deployment_id: str, deployment: str
) -> dict[str, Any]:
    return {
        "metadata": {
            "id": sub_id,
            "url": f"/v2/subscriptions/{sub_id}",
            "created_at": "2024-03-02T10:00:00.000Z",
        },
        "entity": {
            "data_mart_id": DATA_MART_ID,
            "service_provider_id": provider_id,
            "asset": {"asset_id": f"asset-{sub_id[-2:]}", "name": asset, "asset_type": "model"},
            "deployment": {"deployment_id": deployment_id, "name": deployment, "deployment_type": "online"},
            "status": {"state": "active"},
        },
    }


def default_providers() -> list[dict[str, Any]]:
    return [
        _provider(WML_ID, "WML production", "watson_machine_learning"),
        _provider(CUSTOM_ID, "Custom engine", "custom_machine_learning"),
    ]


def default_subscriptions() -> list[dict[str, Any]]:
    return [
        _subscription(
            "00000000-0000-4000-8000-0000000000b1", WML_ID, "credit-risk", "dep-b1", "credit-risk-prod"
        ),
        _subscription("00000000-0000-4000-8000-0000000000b2", WML_ID, "churn", "dep-b2", "churn-prod"),
        _subscription("00000000-0000-4000-8000-0000000000b3", CUSTOM_ID, "fraud", "dep-b3", "fraud-scoring"),
    ]


def default_v1_bindings() -> dict[str, dict[str, Any]]:
    """v1 data, keyed by binding GUID: the binding and its subscriptions (v1 shapes)."""

    def binding(guid: str, name: str, service_type: str) -> dict[str, Any]:
        return {
            "metadata": {"guid": guid, "url": f"/v1/data_marts/{DATA_MART_ID}/service_bindings/{guid}"},
            "entity": {"name": name, "service_type": service_type, "status": {"state": "active"}},
        }

    def subscription(
        guid: str, binding_id: str, asset: str, deployments: list[tuple[str, str]]
    ) -> dict[str, Any]:
        return {
            "metadata": {
                "guid": guid,
                "url": f"/v1/.../subscriptions/{guid}",
                "created_at": "2019-05-01T10:00:00Z",
            },
            "entity": {
                "service_binding_id": binding_id,
                "asset": {"asset_id": f"asset-{guid[-2:]}", "name": asset, "asset_type": "model"},
                "deployments": [
                    {"deployment_id": d, "name": n, "deployment_type": "online"} for d, n in deployments
                ],
            },
        }

    return {
        WML_ID: {
            "binding": binding(WML_ID, "WML production", "watson_machine_learning"),
            "subscriptions": [
                subscription("v1-sub-c1", WML_ID, "credit-risk", [("dep-c1", "credit-risk-prod")]),
                subscription(
                    "v1-sub-c2", WML_ID, "churn", [("dep-c2a", "churn-blue"), ("dep-c2b", "churn-green")]
                ),
            ],
        },
        CUSTOM_ID: {
            "binding": binding(CUSTOM_ID, "Custom engine", "custom_machine_learning"),
            "subscriptions": [subscription("v1-sub-c3", CUSTOM_ID, "fraud", [])],
        },
    }


@dataclass
class Scenario:
    """How the fake behaves; every field is read afresh for each request."""

    api: Literal["v2", "v1"] = "v2"  # "v1": every /v2 path, heartbeat included, is a gateway 404
    # Which v2 route forms exist: "openscale" is /openscale/{GUID}/v2 only, "short" /{GUID}/v2 only,
    # "none" neither (the heartbeat still answers: a gateway in front of a v2 service, wrongly routed).
    route: Literal["both", "openscale", "short", "none"] = "both"
    no_length: bool = False  # bodies without Content-Length, ended by closing the connection
    # What a served route answers for another GUID; 403 is IBM's "not authorized to access instance".
    unknown_data_mart_status: int = 404
    gateway_body: bytes = b"<html><body><h1>404 Not Found</h1></body></html>"  # a route not served
    data_mart_id: str = DATA_MART_ID
    tokens: set[str] = field(default_factory=lambda: {FAKE_TOKEN})
    apikeys: set[str] = field(default_factory=lambda: {FAKE_APIKEY})
    page_size: int = 2  # v2 subscriptions per page
    endless_pages: bool = False  # every subscriptions page links to one more
    next_link_origin: str | None = None  # scheme://host[:port] for `next` links (default: this server)
    fail_status: int | None = None  # every authorised OpenScale data request answers this status
    # `{authorization}` is replaced by the request's Authorization header, as a careless server might.
    fail_body: str = json.dumps(
        {
            "trace": "fake-trace-500",
            "errors": [
                {"code": "internal_error", "message": "database unavailable (request {authorization})"}
            ],
        }
    )
    ok_body: bytes | None = None  # replaces the body of every 2xx OpenScale data answer
    iam_ok_body: bytes | None = None  # replaces the body of IAM's 2xx answer
    redirect_to: str | None = None  # every OpenScale data request answers 302 to this URL
    delay: float = 0.0  # seconds to wait before answering any request (bounded by stop())
    stall: Literal["headers", "body", "drip"] | None = None  # see the module docstring
    stall_on: str = ""  # only requests whose path contains this stall ("": every request)
    drip_interval: float = 0.5
    providers: list[dict[str, Any]] = field(default_factory=default_providers)
    subscriptions: list[dict[str, Any]] = field(default_factory=default_subscriptions)
    v1_bindings: dict[str, dict[str, Any]] = field(default_factory=default_v1_bindings)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes


class FakeOpenScale:
    def __init__(self, scenario: Scenario | None = None) -> None:
        self.scenario = scenario or Scenario()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            # A short poll keeps stop() (once per test) from costing half a second.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-openscale",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The OpenScale service URL (what `--service-url` / OPENSCALE_CREDS_SERVICE_URL take)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def iam_url(self) -> str:
        return f"{self.url}/identity/token"

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def start(self) -> FakeOpenScale:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any handler sleeping in a `delay`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenScale:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


@contextmanager
def running_server(scenario: Scenario | None = None) -> Iterator[FakeOpenScale]:
    with FakeOpenScale(scenario) as server:
        yield server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenScale

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout tests) leaves a broken pipe behind; that is expected.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; tests read `requests` instead

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # ----------------------------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake._record(
            RecordedRequest(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        scenario = fake.scenario
        if scenario.delay and fake._stopping.wait(scenario.delay):
            return
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "POST" and parts.path == "/identity/token":
            self._iam(body)
        elif method == "GET" and parts.path == "/v2/fairness/heartbeat":
            if scenario.api == "v1":
                self._gateway_404()
            else:
                self._json(200, {"is_cloud": True, "status": "up"})
        elif method == "GET" and len(segments) >= 3 and segments[0] == "openscale" and segments[2] == "v2":
            if scenario.route in ("short", "none"):
                self._gateway_404()
            else:
                self._v2(segments[1], segments[3:], query, prefix=f"/openscale/{segments[1]}")
        elif method == "GET" and len(segments) >= 2 and segments[1] == "v2":
            if scenario.route in ("openscale", "none"):
                self._gateway_404()
            else:
                self._v2(segments[0], segments[2:], query, prefix=f"/{segments[0]}")
        elif method == "GET" and segments[:2] == ["v1", "data_marts"]:
            self._v1(segments[2:])
        else:
            self._gateway_404()

    def _iam(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        scenario = self.server.fake.scenario
        if form.get("grant_type") != APIKEY_GRANT:
            self._json(400, {"errorCode": "BXNIM0109E", "errorMessage": "Property missing or empty."})
        elif form.get("apikey") not in scenario.apikeys:
            self._json(
                400,
                {
                    "errorCode": "BXNIM0415E",
                    "errorMessage": "Provided API key could not be found.",
                    "context": {"requestId": "fake-request-id"},
                },
            )
        else:
            token = sorted(scenario.tokens)[0]
            if scenario.iam_ok_body is not None:
                self._send(200, scenario.iam_ok_body, "application/json")
                return
            self._json(
                200,
                {
                    "access_token": token,
                    "refresh_token": "not-used",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "expiration": 1_800_000_000,
                    "scope": "ibm openid",
                },
            )

    def _authorised(self) -> bool:
        scenario = self.server.fake.scenario
        header = self.headers.get("Authorization") or ""
        if header.startswith("Bearer ") and header[len("Bearer ") :] in scenario.tokens:
            return True
        self._error(401, "authorization_error", "The bearer token is not valid or has expired.")
        return False

    def _common_failures(self) -> bool:
        """The scenario-wide answers (failures, redirects); True when one was sent."""
        scenario = self.server.fake.scenario
        if scenario.redirect_to:
            self._send(302, b"", "text/plain", {"Location": scenario.redirect_to})
            return True
        if scenario.fail_status is not None:
            body = scenario.fail_body.replace("{authorization}", self.headers.get("Authorization") or "")
            self._send(scenario.fail_status, body.encode("utf-8"), "application/json")
            return True
        return False

    def _v2(self, data_mart_id: str, rest: list[str], query: dict[str, str], prefix: str) -> None:
        scenario = self.server.fake.scenario
        if scenario.api == "v1":
            self._gateway_404()
            return
        if not self._authorised() or self._common_failures():
            return
        if data_mart_id != scenario.data_mart_id:
            if scenario.unknown_data_mart_status == 403:
                message = f"You are not authorized to access AI OpenScale instance {data_mart_id}"
                self._error(403, "authorization_error", message)
            else:
                message = f"AI OpenScale instance {data_mart_id} was not found."
                self._error(scenario.unknown_data_mart_status, "not_found", message)
        elif rest == ["service_providers"]:
            self._ok({"service_providers": scenario.providers})
        elif rest == ["subscriptions"]:
            self._subscriptions_page(data_mart_id, query, prefix)
        else:
            self._error(404, "not_found", "The requested resource was not found.")

    def _subscriptions_page(self, data_mart_id: str, query: dict[str, str], prefix: str) -> None:
        scenario = self.server.fake.scenario
        if query.get("data_mart_id") != data_mart_id:
            self._error(400, "bad_request", "data_mart_id is required.")
            return
        offset = int(query.get("offset", "0"))
        limit = int(query.get("limit", str(scenario.page_size)))
        items = scenario.subscriptions
        document: dict[str, Any] = {
            "subscriptions": [] if scenario.endless_pages else items[offset : offset + limit],
            "limit": limit,
            "total_count": len(items),
        }
        origin = scenario.next_link_origin or self.server.fake.url
        base = f"{origin}{prefix}/v2/subscriptions?data_mart_id={data_mart_id}"
        document["first"] = {"url": f"{base}&offset=0&limit={limit}"}
        if scenario.endless_pages or offset + limit < len(items):
            document["next"] = {"url": f"{base}&offset={offset + limit}&limit={limit}"}
        self._ok(document)

    def _v1(self, rest: list[str]) -> None:
        scenario = self.server.fake.scenario
        if not self._authorised() or self._common_failures():
            return
        if not rest or rest[0] != scenario.data_mart_id:
            self._error(404, "not_found", f"Data mart {rest[0] if rest else ''} was not found.")
        elif rest[1:] == ["service_bindings"]:
            self._ok({"service_bindings": [b["binding"] for b in scenario.v1_bindings.values()]})
        elif len(rest) == 4 and rest[1] == "service_bindings" and rest[3] == "subscriptions":
            found = scenario.v1_bindings.get(rest[2])
            if found is None:
                self._error(404, "not_found", f"Service binding {rest[2]} was not found.")
            else:
                self._ok({"subscriptions": found["subscriptions"]})
        else:
            self._error(404, "not_found", "The requested resource was not found.")

    # ----------------------------------------------------------------------------------------------

    def _ok(self, document: dict[str, Any]) -> None:
        override = self.server.fake.scenario.ok_body
        if override is not None:
            self._send(200, override, "application/json")
        else:
            self._json(200, document)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"trace": f"fake-trace-{status}", "errors": [{"code": code, "message": message}]})

    def _gateway_404(self) -> None:
        # What a route the service does not have looks like: not OpenScale's JSON error shape.
        body = self.server.fake.scenario.gateway_body
        self._send(404, body, "application/json" if body.startswith(b"{") else "text/html")

    def _json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, json.dumps(document).encode("utf-8"), "application/json")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        scenario = self.server.fake.scenario
        if scenario.stall is not None and scenario.stall_on in self.path:
            self._stalled(status, body, content_type, headers or {})
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if scenario.no_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _stalled(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        """The response held back as `scenario.stall` says, until stop(); then the connection closes."""
        fake = self.server.fake
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}", f"Content-Type: {content_type}"]
        head += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        whole = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        self.close_connection = True
        if fake.scenario.stall == "drip":
            for n in range(len(whole)):
                self.wfile.write(whole[n : n + 1])
                if fake._stopping.wait(fake.scenario.drip_interval):
                    return
            return
        if fake.scenario.stall == "headers":
            self.wfile.write(whole[: whole.index(b"\r\n") + 2])  # the status line, then nothing
        else:
            self.wfile.write(whole[: len(whole) - len(body) // 2])  # the headers and half the body
        fake._stopping.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--api", choices=["v2", "v1"], default="v2")
    parser.add_argument("--route", choices=["both", "openscale", "short", "none"], default="both")
    args = parser.parse_args()
    with running_server(Scenario(api=args.api, route=args.route)) as server:
        print(f"OPENSCALE_CREDS_SERVICE_URL={server.url}")
        print(f"OPENSCALE_CREDS_IAM_URL={server.iam_url}")
        print(f"data mart {DATA_MART_ID}; API key {FAKE_APIKEY}; token {FAKE_TOKEN}", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
