"""The OpenScale REST client behind `openscale-creds ids`: an API key to a bearer token, then the
IDs a data mart holds (ML engines and subscriptions), over stdlib `urllib` only.

What the client relies on, and where it was read:

* Where the v2 API lives — every current IBM client builds `{service_url}/openscale/{instance}/v2/...`
  (`ibm-watson-openscale` 3.1.x, `ibm-watsonx-gov`, IBM's Go SDK; 3.0.x and IBM's API docs page
  use the older `{service_url}/{instance}/v2/...`). `ids` asks the clients' form first and the
  older one only when the first route is missing (the rule is below). A service URL given with a
  trailing `/openscale` (the newer `constants.py` default) is the same service: the suffix is
  dropped before either form is built. tests/openscale_server.py serves both forms, or one.
* v2 collections — `ibm_watson_openscale/base_classes/watson_open_scale_v2.py`.
  `GET /v2/service_providers` -> `ServiceProviderResponseCollection` = `{"service_providers": [...]}`
  and `GET /v2/subscriptions?data_mart_id=` -> `SubscriptionResponseCollection` =
  `{"subscriptions": [...]}`: the list is the only (required) key of either; neither declares
  `next`/`first`/`limit`/`offset`/`total_count`. The one paged collection of that file,
  `MonitoringRunCollection`, carries `first`/`prev`/`next`/`last` as `CollectionUrlModel`
  (`{"url": ...}`) plus `limit` and `total_count`. So a `next` link is followed when present
  (`{"url"}`, `{"href"}` or a bare string; also `next_url` as the Resource Controller pages),
  within `MAX_PAGES`, and only to the host that served the first page.
* v2 objects are `{"metadata": {"id", "crn", "url", "created_at", ...}, "entity": {...}}`.
  Service provider entity: `name`, `service_type`, `instance_id`. Subscription entity:
  `data_mart_id`, `service_provider_id`, `asset` (`asset_id`, `name`, `asset_type`) and one
  `deployment` (`AssetDeployment`: `deployment_id`, `name`, ...). A subscription has no name of its
  own; the asset's name is what the SDK's tables show, so that is `Subscription.name`.
* Errors — `GenericErrorResponse` = `{"trace": "...", "errors": [{"code", "message", "parameters"}]}`.
* v1 (`ibm-ai-openscale` 2.2.1, `utils/href_definitions.py`, `bindings.py`, `subscriptions.py`;
  see reference §A.1): `GET {url}/v1/data_marts/{dm}/service_bindings` ->
  `{"service_bindings": [{"metadata": {"guid"}, "entity": {"name", "service_type"}}]}` and, per
  binding, `.../service_bindings/{b}/subscriptions` -> `{"subscriptions": [{"metadata": {"guid"},
  "entity": {"service_binding_id", "asset": {"name"}, "deployments": [{"deployment_id"}]}}]}`.
  v1 has no "all subscriptions" call.
* "Route missing" versus "data mart not found": both are a 404. The OpenScale service itself
  answers with its `GenericErrorResponse` (a JSON object whose `errors` is a non-empty list of
  objects); a route the service does not have is answered by the gateway in front of it (an HTML
  page, plain text, an empty body, or JSON without such an `errors` list). So a 404 with OpenScale's
  error document means the route exists and the data mart is unknown (`NotFound`, naming the GUID);
  any other 404 means the route is missing, and the next form is tried. When neither v2 form
  exists the SDK's own probe decides (`ibm_watson_openscale/utils/utils.py`, `check_if_cp4d`:
  `GET {service_url}/v2/fairness/heartbeat`, unauthenticated; a 404 there means "the V2 changes are
  not yet available"): no heartbeat falls back to v1, a live heartbeat is a route problem
  (`CommandFailed`, naming the routes tried, not the GUID). v1 applies the same rule.
* IAM — `IBM/python-sdk-core` `token_managers/iam_token_manager.py` and
  `iam_request_based_token_manager.py`: `POST https://iam.cloud.ibm.com/identity/token`, form
  `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...`, `Accept: application/json`
  (the SDK also sends `response_type=cloud_iam`, which IAM does not require). Success
  (`test/test_iam_token_manager.py`): `{"access_token", "refresh_token", "token_type": "Bearer",
  "expires_in": 3600, "expiration": <epoch>}`; only `access_token` is used. A bad key
  (`test/test_mcspv2_token_manager.py`): 400 `{"errorCode": "BXNIM0415E", "errorMessage":
  "Provided API key could not be found", "context": {"requestId": ...}}`.

Transport rules: certificate verification is always on (default SSL context); plain `http://` only
to a loopback host; redirects are never followed, because urllib would resend the Authorization
header to wherever the redirect points. Every message that quotes a server is scrubbed of the token
or key in hand, and exceptions are raised `from None` so no chained traceback carries a request.

Limits: the timeout bounds each request as a whole (name lookup, connect, TLS, headers, body), not
each read: the request runs in a worker thread that the caller waits for until the deadline, then
abandons (its socket is shut down), raising `TimedOut`. A body over `MAX_BODY` bytes (announced or
read), nested deeper than the JSON decoder's recursion limit, with an integer over the interpreter's
digit limit, or not UTF-8 is a misbehaving server: `CommandFailed` (exit 8). Valid text that is not
JSON, or JSON of the wrong shape, stays `UnrecognisedOutput` (exit 7). Error bodies are read up to
64 KiB and quoted in at most 200 characters.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from . import choices, errors, redact

if TYPE_CHECKING:
    import ssl
    import urllib.request

DEFAULT_IAM_URL = "https://iam.cloud.ibm.com/identity/token"
MAX_PAGES = 1000
MAX_BODY = 32 * 1024 * 1024  # far above any real list of engines/subscriptions; stops a runaway body
_MESSAGE_CHARS = 200
_ERROR_BODY = 64 * 1024
_APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
_SESSION_HINT = "run `openscale-creds login` (or `ibmcloud login`) for a fresh session, then retry"
_ROOT_HINT = "pass the service root as --service-url, e.g. https://api.aiopenscale.cloud.ibm.com"


@dataclass(frozen=True)
class TokenOrigin:
    """Where the bearer token came from, so that a rejection's hint names a command that fixes it.

    The default is the `ibmcloud` session (`ids --instance`); a credentials file (`ids FILE`)
    is named with the instance it is for, because the fix for a dead key is a new file.
    """

    credentials_file: str | None = None
    instance_guid: str | None = None
    profile: str | None = None  # `ids -p NAME`: the key of this profile

    @property
    def stored_key(self) -> bool:
        """The token was issued for a stored key (a file or a profile), not the ibmcloud session."""
        return self.credentials_file is not None or self.profile is not None

    def where(self) -> str:
        return f"profile {self.profile}" if self.profile is not None else str(self.credentials_file)

    def command(self, *argv: str) -> str:
        """`openscale-creds ARGV`, quoted for the shell the user types in."""
        from . import shellquote

        try:
            return shellquote.render_command(argv, shellquote.detect_shell(), program="openscale-creds")
        except errors.Unrepresentable:
            return " ".join(("openscale-creds", *argv))


SESSION = TokenOrigin()


@dataclass(frozen=True)
class Binding:
    """An ML engine attached to the data mart: a v2 service provider or a v1 service binding."""

    id: str
    name: str | None
    type: str | None


@dataclass(frozen=True)
class Subscription:
    """A monitored deployment. A v1 subscription with several deployments gives one row each."""

    id: str
    name: str | None
    binding_id: str | None
    deployment_id: str | None
    deployment_name: str | None


@dataclass(frozen=True)
class OpenScaleIds:
    data_mart_id: str
    service_url: str
    api_version: Literal["v2", "v1"]
    bindings: tuple[Binding, ...]
    subscriptions: tuple[Subscription, ...]


# --------------------------------------------------------------------------------------------------
# public API


def exchange_api_key(apikey: str, *, iam_url: str, timeout: float, origin: TokenOrigin | None = None) -> str:
    """Trade an IBM Cloud API key for an IAM bearer token (the `access_token`).

    `origin` names the credentials file the key came from, so a rejected key's hint is the command
    that replaces that file.
    """
    from urllib.parse import urlencode

    if not apikey:
        raise errors.UsageError(
            "no API key to exchange", hint="pass the key through the environment or a file"
        )
    _check_url(iam_url, "IAM URL")
    body = urlencode({"grant_type": _APIKEY_GRANT, "apikey": apikey}).encode("ascii")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    response = _send("POST", iam_url, headers=headers, data=body, timeout=timeout, secrets=(apikey,))
    if response.status in (400, 401):
        said = _server_message(response.body, (apikey,))
        raise errors.NotLoggedIn(
            "IAM rejected the API key" + (f": {said}" if said else ""), hint=_dead_key_hint(origin)
        )
    if not 200 <= response.status < 300:
        raise _http_failure("IAM", "POST", response, (apikey,))
    document = _json(response, "the IAM token response", (apikey,))
    token = document.get("access_token")
    if not isinstance(token, str) or not token:
        raise errors.UnrecognisedOutput("IAM answered without an access_token")
    return token


def fetch_ids(
    service_url: str,
    data_mart_id: str,
    token: str,
    *,
    timeout: float,
    origin: TokenOrigin = SESSION,
) -> OpenScaleIds:
    """The data mart's ML engines and subscriptions: v2 if the service has it, else v1.

    v2 is read where IBM's clients read it, `{root}/openscale/{GUID}/v2`, and at the older
    `{root}/{GUID}/v2` only when the first route is missing (see the module docstring for the rule).
    """
    from urllib.parse import quote

    root = _service_root(_check_url(service_url, "service URL"))
    if not data_mart_id.strip():
        raise errors.UsageError("no data mart ID given", hint="pass the OpenScale instance GUID")
    if not token or any(unicodedata.category(c) == "Cc" or c == " " for c in token):
        # http.client would reject the header with a ValueError that quotes it in full.
        raise errors.UsageError("the OpenScale token is empty or contains spaces or control characters")
    client = _Client(root, token, timeout, origin, data_mart_id)
    dm = quote(data_mart_id, safe="")
    tried: list[str] = []
    for prefix in (f"{root}/openscale/{dm}", f"{root}/{dm}"):
        try:
            providers = client.collect(f"{prefix}/v2/service_providers", "service_providers")
        except _Missing as missing:
            if not missing.route_missing:
                raise _no_data_mart(data_mart_id, root, missing) from None
            tried.append(f"{_path(prefix)}/v2")
            continue
        return _fetch_v2(client, prefix, root, data_mart_id, providers)
    if client.v2_available():
        raise errors.CommandFailed(
            f"OpenScale at {root} answers its v2 heartbeat but has no route {' or '.join(tried)} "
            "(HTTP 404 from a gateway, not from OpenScale)",
            hint=_ROOT_HINT,
        )
    return _fetch_v1(client, root, data_mart_id, tried)


def ids_to_document(ids: OpenScaleIds) -> dict[str, Any]:
    """A JSON/YAML-ready mapping of everything `fetch_ids` found."""
    return {
        "data_mart_id": ids.data_mart_id,
        "service_url": ids.service_url,
        "api_version": ids.api_version,
        "bindings": [{"id": b.id, "name": b.name, "type": b.type} for b in ids.bindings],
        "subscriptions": [
            {
                "id": s.id,
                "name": s.name,
                "binding_id": s.binding_id,
                "deployment_id": s.deployment_id,
                "deployment_name": s.deployment_name,
            }
            for s in ids.subscriptions
        ],
    }


def render_ids_text(ids: OpenScaleIds) -> str:
    """The human view: the data mart ID first (the value most users came for), then two tables."""
    lines = [
        f"Data mart ID:  {_cell(ids.data_mart_id)}",
        f"Service URL:   {_cell(ids.service_url)}",
        f"API version:   {ids.api_version}",
        "",
        f"ML engines ({len(ids.bindings)})",
        *_table(("ID", "NAME", "TYPE"), [(b.id, b.name, b.type) for b in ids.bindings]),
        "",
        f"Subscriptions ({len(ids.subscriptions)})",
        *_table(
            ("ID", "NAME", "BINDING ID", "DEPLOYMENT ID", "DEPLOYMENT NAME"),
            [(s.id, s.name, s.binding_id, s.deployment_id, s.deployment_name) for s in ids.subscriptions],
        ),
    ]
    return "\n".join(lines) + "\n"


def _plural(values: Callable[[OpenScaleIds], Iterator[str | None]]) -> Callable[[OpenScaleIds], list[str]]:
    def pick(ids: OpenScaleIds) -> list[str]:
        return list(dict.fromkeys(v for v in values(ids) if v))  # ordered and deduplicated

    return pick


_FIELD_VALUES: dict[str, Callable[[OpenScaleIds], list[str]]] = {
    "data_mart_id": lambda ids: [ids.data_mart_id],
    "service_url": lambda ids: [ids.service_url],
    "api_version": lambda ids: [ids.api_version],
    "binding_ids": _plural(lambda ids: (b.id for b in ids.bindings)),
    "subscription_ids": _plural(lambda ids: (s.id for s in ids.subscriptions)),
    "deployment_ids": _plural(lambda ids: (s.deployment_id for s in ids.subscriptions)),
}
_SINGULAR = {
    "binding_id": "binding_ids",
    "subscription_id": "subscription_ids",
    "deployment_id": "deployment_ids",
}
ID_FIELDS: tuple[str, ...] = choices.ID_FIELDS


def ids_field(ids: OpenScaleIds, field: str) -> str:
    """One field for scripts, one value per line (no trailing newline; "" when a list is empty).

    The plural names give every value. The singular ones (`binding_id`, ...) promise exactly one, so
    `$(openscale-creds ids --field binding_id)` never silently picks one of several: none is
    `NotFound`, several is `Ambiguous`.
    """
    if field in _SINGULAR:
        values = _FIELD_VALUES[_SINGULAR[field]](ids)
        if not values:
            raise errors.NotFound(f"data mart {ids.data_mart_id} has no {field.replace('_', ' ')}")
        if len(values) > 1:
            raise errors.Ambiguous(
                f"data mart {ids.data_mart_id} has {len(values)} values for {field}",
                hint=f"use --field {_SINGULAR[field]} to list them all",
            )
        return values[0]
    pick = _FIELD_VALUES.get(field)
    if pick is None:
        raise errors.UsageError(f"unknown field {field!r}", hint="choose one of: " + ", ".join(ID_FIELDS))
    return "\n".join(pick(ids))


# --------------------------------------------------------------------------------------------------
# rendering helpers


def _cell(value: str | None) -> str:
    if value is None or value == "":
        return "-"
    # Server-supplied names reach the terminal; a control character could rewrite the screen.
    return "".join("?" if unicodedata.category(c) == "Cc" else c for c in value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str | None]]) -> list[str]:
    if not rows:
        return ["(none)"]
    cells = [list(header), *([_cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]


# --------------------------------------------------------------------------------------------------
# v2 / v1 object mapping


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _text(obj: Any, *path: str) -> str | None:
    value = _get(obj, *path)
    return value if isinstance(value, str) and value else None


def _required_id(item: Any, key: str, what: str, index: int) -> str:
    value = _text(item, "metadata", key)
    if value is None:
        raise errors.UnrecognisedOutput(
            f"OpenScale listed a {what} without metadata.{key} (item {index + 1})"
        )
    return value


def _v2_binding(item: Any, index: int) -> Binding:
    return Binding(
        id=_required_id(item, "id", "service provider", index),
        name=_text(item, "entity", "name"),
        type=_text(item, "entity", "service_type"),
    )


def _v2_subscription(item: Any, index: int) -> Subscription:
    return Subscription(
        id=_required_id(item, "id", "subscription", index),
        name=_text(item, "entity", "asset", "name"),
        binding_id=_text(item, "entity", "service_provider_id"),
        deployment_id=_text(item, "entity", "deployment", "deployment_id"),
        deployment_name=_text(item, "entity", "deployment", "name"),
    )


def _fetch_v2(
    client: _Client, prefix: str, root: str, data_mart_id: str, providers: list[Any]
) -> OpenScaleIds:
    from urllib.parse import quote

    dm = quote(data_mart_id, safe="")
    url = f"{prefix}/v2/subscriptions?data_mart_id={dm}"
    try:
        subscriptions = client.collect(url, "subscriptions")
    except _Missing as missing:
        if missing.route_missing:
            raise errors.CommandFailed(
                f"OpenScale at {root} listed the service providers under {_path(prefix)}/v2 but has no "
                f"route {_path(url)} (HTTP 404 from a gateway, not from OpenScale)",
                hint="run the command again; if it persists, " + _ROOT_HINT,
            ) from None
        raise _no_data_mart(data_mart_id, root, missing) from None
    return OpenScaleIds(
        data_mart_id=data_mart_id,
        service_url=root,
        api_version="v2",
        bindings=tuple(_v2_binding(item, n) for n, item in enumerate(providers)),
        subscriptions=tuple(_v2_subscription(item, n) for n, item in enumerate(subscriptions)),
    )


def _no_data_mart(data_mart_id: str, root: str, missing: _Missing) -> errors.NotFound:
    """OpenScale itself said the data mart is unknown: the GUID (or the region) is what to check."""
    return errors.NotFound(
        f"no OpenScale data mart {data_mart_id} at {root}" + missing.said(),
        hint="check the instance GUID and that the service URL is the instance's region",
    )


def _fetch_v1(client: _Client, base: str, data_mart_id: str, tried: Sequence[str]) -> OpenScaleIds:
    from urllib.parse import quote

    bindings_url = f"{base}/v1/data_marts/{quote(data_mart_id, safe='')}/service_bindings"
    try:
        items = client.collect(bindings_url, "service_bindings")
    except _Missing as missing:
        if missing.route_missing:
            routes = ", ".join([*tried, "/v1/data_marts"])
            raise errors.CommandFailed(
                f"no OpenScale API at {base}: none of {routes} exists there "
                "(HTTP 404 from a gateway, not from OpenScale)",
                hint=_ROOT_HINT,
            ) from None
        raise _no_data_mart(data_mart_id, base, missing) from None
    bindings = [
        Binding(
            id=_required_id(item, "guid", "service binding", n),
            name=_text(item, "entity", "name"),
            type=_text(item, "entity", "service_type"),
        )
        for n, item in enumerate(items)
    ]
    subscriptions: list[Subscription] = []
    for binding in bindings:
        url = f"{bindings_url}/{quote(binding.id, safe='')}/subscriptions"
        try:
            listed = client.collect(url, "subscriptions")
        except _Missing as missing:
            raise errors.NotFound(
                f"service binding {binding.id} of data mart {data_mart_id} vanished while it was read"
                + missing.said(),
                hint="run the command again",
            ) from None
        for n, item in enumerate(listed):
            subscription_id = _required_id(item, "guid", "subscription", n)
            name = _text(item, "entity", "asset", "name")
            binding_id = _text(item, "entity", "service_binding_id") or binding.id
            deployments: list[dict[str, Any] | None] = [
                d for d in _get(item, "entity", "deployments") or () if isinstance(d, dict)
            ]
            for deployment in deployments or [None]:
                subscriptions.append(
                    Subscription(
                        id=subscription_id,
                        name=name,
                        binding_id=binding_id,
                        deployment_id=_text(deployment, "deployment_id"),
                        deployment_name=_text(deployment, "name"),
                    )
                )
    return OpenScaleIds(
        data_mart_id=data_mart_id,
        service_url=base,
        api_version="v1",
        bindings=tuple(bindings),
        subscriptions=tuple(subscriptions),
    )


# --------------------------------------------------------------------------------------------------
# HTTP


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    url: str
    location: str | None = None


class _Missing(Exception):
    """A 404 from OpenScale's URL; `route_missing` says whether it came from in front of OpenScale."""

    def __init__(self, message: str, *, route_missing: bool) -> None:
        super().__init__(message)
        self.message = message
        self.route_missing = route_missing

    def said(self) -> str:
        return f" (the server said: {self.message})" if self.message else ""


class _Client:
    def __init__(self, base: str, token: str, timeout: float, origin: TokenOrigin, data_mart_id: str) -> None:
        self.base = base
        self.token = token
        self.timeout = timeout
        self.origin = origin
        self.data_mart_id = data_mart_id

    def get(self, url: str, *, authorised: bool = True) -> _Response:
        headers = {"Accept": "application/json"}
        if authorised:
            headers["Authorization"] = f"Bearer {self.token}"
        return _send("GET", url, headers=headers, data=None, timeout=self.timeout, secrets=(self.token,))

    def get_json(self, url: str) -> dict[str, Any]:
        response = self.get(url)
        secrets = (self.token,)
        if response.status in (401, 403):
            raise self._rejected(response)
        if response.status == 404:
            raise _Missing(
                _server_message(response.body, secrets),
                route_missing=not _is_openscale_error(response.body),
            )
        if not 200 <= response.status < 300:
            raise _http_failure("OpenScale", "GET", response, secrets)
        return _json(response, f"GET {_path(url)}", secrets)

    def _rejected(self, response: _Response) -> errors.NotLoggedIn:
        said = _server_message(response.body, (self.token,))
        said = f": {said}" if said else ""
        origin = self.origin
        if response.status == 403:
            # The token is valid but not for this instance: the GUID or the account is what is wrong.
            if not origin.stored_key:
                hint = "check the GUID, and that your session is in its account (`ibmcloud target` shows it)"
            else:
                hint = "check the GUID and the service URL; " + _verify_hint(origin)
            return errors.NotLoggedIn(
                f"OpenScale refused access to instance {self.data_mart_id} (HTTP 403){said}", hint=hint
            )
        if not origin.stored_key:
            return errors.NotLoggedIn(
                f"OpenScale rejected the session's token (HTTP 401){said}", hint=_SESSION_HINT
            )
        # IAM issued this token moments ago for the file's key, so the key itself is alive.
        return errors.NotLoggedIn(
            f"OpenScale rejected the token IAM issued for the key in {origin.where()} (HTTP 401){said}",
            hint="check that the service URL is the instance's region (--service-url); "
            + _verify_hint(origin),
        )

    def collect(self, url: str, key: str) -> list[Any]:
        """Every item of a list endpoint, following `next` links on the same host."""
        from urllib.parse import urljoin, urlsplit

        origin = urlsplit(url)
        items: list[Any] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            seen.add(url)
            document = self.get_json(url)
            page = document.get(key)
            if not isinstance(page, list):
                raise errors.UnrecognisedOutput(
                    f"the OpenScale answer to GET {_path(url)} has no {key!r} list"
                )
            items.extend(page)
            link = _next_link(document)
            if link is None:
                return items
            url = urljoin(url, link)
            target = urlsplit(url)
            if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
                # The token goes with every page request; it must not follow a link elsewhere.
                raise errors.Refused(
                    f"OpenScale's next-page link for {key} points to {target.scheme}://{target.hostname}, "
                    f"not {origin.scheme}://{origin.hostname}; not sending the token there"
                )
            if url in seen:
                raise errors.UnrecognisedOutput(
                    f"OpenScale's pages of {key} link back to a page already read"
                )
        raise errors.UnrecognisedOutput(f"OpenScale returned more than {MAX_PAGES} pages of {key}; stopped")

    def v2_available(self) -> bool:
        """The SDK's own test (`check_if_cp4d`): the unauthenticated v2 heartbeat answers."""
        response = self.get(f"{self.base}/v2/fairness/heartbeat", authorised=False)
        return 200 <= response.status < 300


def _verify_hint(origin: TokenOrigin) -> str:
    args = ("-p", origin.profile) if origin.profile is not None else (origin.credentials_file or "",)
    return f"`{origin.command('verify', *args)}` checks the key and the instance"


def _dead_key_hint(origin: TokenOrigin | None) -> str:
    """A key IAM refuses cannot be rotated (rotation needs it): the fix is a new credentials file."""
    if origin is None or not origin.stored_key:
        return "the key is deleted, disabled or from another account; `ibmcloud iam api-keys` lists your keys"
    if origin.profile is not None:
        command = origin.command("setup", origin.instance_guid or "NAME_OR_GUID", "-p", origin.profile)
        return f"the key is deleted, disabled or from another account; store a new one: `{command}`"
    command = origin.command(
        "setup",
        origin.instance_guid or "NAME_OR_GUID",
        "--out",
        origin.credentials_file or "FILE",
        "--force",
    )
    return f"the key is deleted, disabled or from another account; make a new file: `{command}`"


def _service_root(url: str) -> str:
    """The service URL without a trailing slash or `/openscale` (the newer SDKs' default carries it)."""
    root = url.rstrip("/")
    if root.lower().endswith("/openscale"):
        root = root[: -len("/openscale")].rstrip("/")
    return root


def _is_openscale_error(body: bytes) -> bool:
    """OpenScale's own `GenericErrorResponse` (`{"errors": [{...}, ...]}`), not a gateway's page."""
    document = _loads_quietly(body)
    problems = document.get("errors") if isinstance(document, dict) else None
    return isinstance(problems, list) and bool(problems) and all(isinstance(p, dict) for p in problems)


def _next_link(document: dict[str, Any]) -> str | None:
    link = document.get("next")
    if isinstance(link, dict):
        link = link.get("url") or link.get("href")
    if link is None:
        link = document.get("next_url")
    return link if isinstance(link, str) and link else None


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path or "/"


def _is_loopback(host: str) -> bool:
    import ipaddress

    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise errors.UsageError(f"the {what} is not a valid URL: {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise errors.UsageError(
            f"the {what} must be an https:// URL, not {url!r}",
            hint="for example https://api.aiopenscale.cloud.ibm.com",
        )
    if parts.username is not None or parts.password is not None:
        raise errors.UsageError(f"the {what} must not carry a user name or password")
    if parts.query or parts.fragment:
        raise errors.UsageError(f"the {what} must not carry a ?query or #fragment: {url!r}")
    if scheme == "http" and not _is_loopback(host):
        raise errors.UsageError(
            f"refusing plain http:// to {host}: the token would cross the network unencrypted",
            hint=f"use https://{parts.netloc}{parts.path} (http:// is only accepted for localhost)",
        )
    return url.strip()


@functools.cache
def _tls() -> ssl.SSLContext:
    import ssl

    # Loading the CA bundle costs tens of milliseconds; one context serves every request.
    return ssl.create_default_context()


def _opener(url: str, connected: Callable[[Any], None]) -> urllib.request.OpenerDirector:
    import http.client
    import urllib.request
    from urllib.parse import urlsplit

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # the 3xx then surfaces as an HTTPError we turn into a message

    # The connections report their socket once open, so that a request past its deadline can be cut.
    class Plain(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            connected(self.sock)

    class Tls(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            connected(self.sock)

    class PlainHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Plain, req)

    class TlsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Tls, req, context=_tls())

    handlers: list[urllib.request.BaseHandler] = [PlainHandler(), TlsHandler(), NoRedirect()]
    if _is_loopback(urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy cannot reach our own loopback
    return urllib.request.build_opener(*handlers)


class _TooLarge(Exception):
    pass


def _read_capped(stream: Any, limit: int) -> bytes:
    """The body, refused before reading when its announced length is over `limit`, else once past it."""
    announced = stream.headers.get("Content-Length") if stream.headers is not None else None
    if announced is not None and announced.strip().isdigit() and int(announced) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(65536):
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _exchange(
    request: urllib.request.Request, url: str, timeout: float, connected: Callable[[Any], None]
) -> _Response:
    """The request itself, run by `_bounded_exchange`'s worker thread; any HTTP status is a `_Response`."""
    import urllib.error

    try:
        with _opener(url, connected).open(request, timeout=timeout) as stream:
            return _Response(stream.status, _read_capped(stream, MAX_BODY), url)
    except urllib.error.HTTPError as failure:
        try:
            # Only the first 200 characters are ever shown; the rest of a long error page is skipped.
            body = failure.read(_ERROR_BODY) if failure.fp else b""
        finally:
            failure.close()
        return _Response(failure.code, body, url, failure.headers.get("Location"))


def _limit(timeout: float) -> float:
    import math
    import threading

    if not math.isfinite(timeout) or timeout <= 0:
        raise errors.UsageError(
            f"the timeout must be a positive number of seconds, not {timeout}", hint="e.g. --timeout 30"
        )
    return min(timeout, threading.TIMEOUT_MAX, 86400.0 * 365)


def _send(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    data: bytes | None,
    timeout: float,
    secrets: Sequence[str],
) -> _Response:
    """One request, bounded as a whole by `timeout`. Any HTTP status comes back as a `_Response`."""
    import urllib.request
    from urllib.parse import urlsplit

    limit = _limit(timeout)
    host = urlsplit(url).hostname or url
    where = f"{method} {_path(url)} on {host}"
    # Only http(s) reaches here: every URL passed `_check_url`, and next links must keep its origin.
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    result = _bounded_exchange(request, url, limit)
    if result is None:
        raise _timed_out(where, timeout)
    if isinstance(result, _Response):
        return result
    _raise_failure(result, where=where, host=host, timeout=timeout, secrets=secrets)


def _timed_out(where: str, timeout: float) -> errors.TimedOut:
    return errors.TimedOut(
        f"no complete answer to {where} within {timeout:g} s", hint="retry, or raise --timeout"
    )


def _bounded_exchange(
    request: urllib.request.Request, url: str, limit: float
) -> _Response | BaseException | None:
    """`_exchange`'s outcome (a response, or what it raised), or None once `limit` seconds pass."""
    import socket
    import threading

    outcome: list[_Response | BaseException] = []
    sockets: list[socket.socket] = []
    abandoned = threading.Event()
    guard = threading.Lock()

    def connected(sock: socket.socket) -> None:
        with guard:
            sockets.append(sock)
            if abandoned.is_set():
                sock.close()  # the caller has given up: send nothing more on its behalf
                raise TimeoutError

    def work() -> None:
        try:
            outcome.append(_exchange(request, url, limit, connected))
        except BaseException as failure:  # handed to the waiting thread as is
            outcome.append(failure)

    # A worker thread, because a socket timeout bounds each read, not the request: a server that
    # drips a byte before each one runs out would hold a reading caller for ever.
    worker = threading.Thread(target=work, name=f"openscale-creds {request.get_method()}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive() or not outcome:
        with guard:
            abandoned.set()
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the worker, which then ends on its own
        return None
    return outcome[0]


def _raise_failure(
    failure: BaseException, *, where: str, host: str, timeout: float, secrets: Sequence[str]
) -> NoReturn:
    """What `_exchange` raised, as the error a user reads: a domain error for anything the body or
    the network did, the original exception for a bug."""
    import http.client
    import ssl
    import urllib.error

    if isinstance(failure, _TooLarge):
        raise errors.CommandFailed(
            f"the answer to {where} is larger than {MAX_BODY // (1024 * 1024)} MiB; stopped reading",
            hint="no list of engines or subscriptions is that large; " + _ROOT_HINT,
        )
    if isinstance(failure, errors.CredsError):
        raise failure from None
    if not isinstance(failure, (urllib.error.URLError, OSError, http.client.HTTPException)):
        raise failure  # a bug, not a network failure: let the entry point report it
    reason = failure.reason if isinstance(failure, urllib.error.URLError) else failure
    if isinstance(reason, TimeoutError):
        raise _timed_out(where, timeout) from None
    if isinstance(reason, ssl.SSLCertVerificationError):
        raise errors.CommandFailed(
            f"the TLS certificate of {host} could not be verified: "
            + _scrub(str(reason.verify_message or reason), secrets),
            hint="fix the CA bundle (SSL_CERT_FILE); verification is never turned off",
        ) from None
    cause = _scrub(str(reason) or type(reason).__name__, secrets)
    if isinstance(reason, http.client.HTTPException):
        raise errors.CommandFailed(f"the answer to {where} broke off: {cause}") from None
    raise errors.CommandFailed(f"cannot reach {host} for {where}: {cause}") from None


# --------------------------------------------------------------------------------------------------
# messages


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, redact.MASK)
    return redact.mask(text)


def _loads_quietly(body: bytes) -> Any:
    """The JSON in an error body, or None for anything unreadable (text, too deep, too long a number)."""
    import json

    try:
        return json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _server_message(body: bytes, secrets: Sequence[str]) -> str:
    """What the server said, in one line of at most 200 characters, without our secrets in it."""
    document = _loads_quietly(body)
    said: str | None = None
    if isinstance(document, dict):
        first = _get(document, "errors")
        first = first[0] if isinstance(first, list) and first else None
        for candidate in (
            _get(first, "message"),
            document.get("message"),
            document.get("errorMessage"),
            document.get("trace"),
        ):
            if isinstance(candidate, str) and candidate.strip():
                said = candidate
                break
    if said is None:
        said = body.decode("utf-8", errors="replace")
    said = _scrub(" ".join(said.split()), secrets)
    return said if len(said) <= _MESSAGE_CHARS else said[: _MESSAGE_CHARS - 3] + "..."


def _http_failure(
    service: str, method: str, response: _Response, secrets: Sequence[str]
) -> errors.CredsError:
    from urllib.parse import urlsplit

    where = f"{method} {_path(response.url)}"
    if 300 <= response.status < 400:
        target = urlsplit(response.location or "")
        elsewhere = f" to {target.scheme}://{target.hostname}" if target.hostname else ""
        return errors.CommandFailed(
            f"{service} redirected {where}{elsewhere} (HTTP {response.status}); redirects are not followed "
            "so the credentials stay with the host you named",
            hint="use the final URL instead",
        )
    said = _server_message(response.body, secrets)
    return errors.CommandFailed(
        f"{service} answered HTTP {response.status} to {where}" + (f": {said}" if said else "")
    )


def _json(response: _Response, what: str, secrets: Sequence[str]) -> dict[str, Any]:
    import json

    where = f"{what} from {_host(response.url)}"
    try:
        text = response.body.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise errors.CommandFailed(f"{where} is not UTF-8 (byte {bad.start + 1}); not read") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise errors.CommandFailed(f"{where} is JSON nested too deeply to read; not read") from None
    except json.JSONDecodeError:
        shown = _scrub(" ".join(text[:80].split()), secrets)
        raise errors.UnrecognisedOutput(f"{what} is not JSON: {shown!r}") from None
    except ValueError as bad:
        # Not a syntax error: a limit of the interpreter, such as an integer over its digit limit.
        raise errors.CommandFailed(f"{where} cannot be read: {_scrub(str(bad), secrets)[:120]}") from None
    if not isinstance(document, dict):
        raise errors.UnrecognisedOutput(f"{what} is JSON but not an object")
    return document


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url
