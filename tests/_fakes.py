"""In-memory stand-ins for the workflows' two ports: `FakeCloud` (an `ibmcloud.IbmCloud`) and
`QuietUi` (a `workflow.Ui`), so every workflow path, SSO included, runs without a process."""

from __future__ import annotations

import contextlib
import json
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from _e2e import INSTANCE


class QuietUi:
    """A `workflow.Ui` that records what it would have shown. Nobody is at a terminal unless
    `interactive`; a `passcode` is the one-time code the person would type."""

    def __init__(self, *, interactive: bool = False, passcode: str | None = None) -> None:
        self.shown: list[str] = []
        self.interactive = interactive
        self.passcode = passcode

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[Any]:
        from openscale_creds.workflow import StepResult

        self.shown.append(what)
        res = StepResult()
        yield res
        self.shown.append(res.result)

    def info(self, message: str) -> None:
        self.shown.append(message)

    def notice(self, message: str) -> None:
        self.shown.append(message)

    def warn(self, message: str) -> None:
        self.shown.append(message)

    def read_passcode(self, url: str) -> str:
        if self.passcode is None:
            raise AssertionError("no passcode prompt expected")
        self.shown.append(f"passcode for {url}")
        return self.passcode

    def choose_account(self, choices: list[Any]) -> Any:
        raise AssertionError("no account menu expected")


class FakeCloud:
    """An `ibmcloud.IbmCloud` over a list of instances; `fail` makes a method raise once it is called.

    Method names in `fail` ("login_apikey", "create_api_key", "find_instances", "delete_api_key",
    ...) map to the error to raise, so every error path of a workflow can be reached; "find_instances"
    stands for both lookups (`show_instance` by ID, `list_instances` for a name).
    """

    relogin: Callable[[], None] | None = None
    relogin_home: str | None = None
    program = "/opt/fake/ibmcloud"
    PASSCODE_URL = "https://iam.cloud.ibm.com/identity/passcode"

    def __init__(
        self,
        instances: Sequence[Any] = (),
        *,
        new_keys: Sequence[str] = ("fake-new-key-0000000000000000000000000000",),
        fail: Mapping[str, Exception] | None = None,
        session: Any = None,
        after_sso: Any = None,
        group_ids: Mapping[str, str] | None = None,
        described: Sequence[Any] = (),
    ) -> None:
        """`session`: what `target` returns until a login (default: logged in); `after_sso`: the
        session `login_sso` leaves (default: logged in); `group_ids`: group name -> ID, for `-g NAME`
        (the JSON listing names an instance's group only by its ID); `described`: the instances as
        the text view shows them (plan and group named), for `describe_instance`."""
        from openscale_creds.models import Account, Target

        self.instances = list(instances)
        self.new_keys = list(new_keys)
        self.fail = dict(fail or {})
        self.group_ids = dict(group_ids or {})
        self.described = list(described)
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.created: list[Any] = []
        self.deleted: list[str] = []
        self.existing_keys: list[Any] = []  # keys made before the test, for `list_api_keys`
        self.logged_in = Target(
            logged_in=True,
            region="us-south",
            user="demo.user@example.com",
            account=Account("Demo Account", "34445945c2dfb743dccd9aea88034794"),
            resource_group="Default",
        )
        self.session = self.logged_in if session is None else session
        self.after_sso = self.logged_in if after_sso is None else after_sso

    def _record(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((method, args, kwargs))
        if method in self.fail:
            raise self.fail[method]
        if method in ("show_instance", "list_instances") and "find_instances" in self.fail:
            raise self.fail["find_instances"]

    def _require_session(self, home: str | None) -> None:
        """As ibmcloud answers a lookup in the user's home when there is no session there."""
        from openscale_creds.errors import NotLoggedIn

        if home is None and not self.session.logged_in:
            raise NotLoggedIn("`ibmcloud resource service-instances` failed: Not logged in.")

    def version(self) -> str:
        self._record("version")
        return "2.38.1"

    def target(self, *, home: str | None = None) -> Any:
        self._record("target", home=home)
        return self.session

    def login_apikey(self, api_key: str, **kwargs: Any) -> Any:
        self._record("login_apikey", api_key, **kwargs)
        if kwargs.get("home") is None:  # a private home's login leaves the user's session as it was
            self.session = self.logged_in
        return self.logged_in.replace(resource_group=kwargs.get("group"))

    def login_sso(self, prompts: Any, **kwargs: Any) -> Any:
        """As the real dialogue does: show the passcode URL, ask for the code, then the session."""
        self._record("login_sso", **kwargs)
        prompts.info(f"Get a one-time code from {self.PASSCODE_URL} to proceed.")
        prompts.read_passcode(self.PASSCODE_URL)
        self.session = self.after_sso
        return self.session

    def target_group(self, group: str) -> Any:
        self._record("target_group", group)
        return self.logged_in.replace(resource_group=group)

    def create_api_key(self, name: str, description: str, *, home: str | None = None) -> Any:
        from openscale_creds.models import ApiKey

        self._record("create_api_key", name, description, home=home)
        key = ApiKey(
            name=name,
            id=f"ApiKey-fake-{len(self.created) + 1}",
            apikey=self.new_keys[len(self.created) % len(self.new_keys)],
            description=description,
            created_at="2025-01-02T03:04+0000",
        )
        self.created.append(key)
        return key

    def delete_api_key(self, key_id: str, *, home: str | None = None) -> None:
        self._record("delete_api_key", key_id, home=home)
        self.deleted.append(key_id)

    def list_api_keys(self) -> tuple[Any, ...]:
        """The keys created here and not deleted since (values blanked, as `iam api-keys` shows)."""
        self._record("list_api_keys")
        return tuple(
            k.replace(apikey=None) for k in [*self.existing_keys, *self.created] if k.id not in self.deleted
        )

    def show_instance(
        self, guid_or_crn: str, *, location: str | None = None, home: str | None = None
    ) -> list[Any]:
        """`resource service-instance ID`: any group, as the real lookup by GUID or CRN."""
        self._record("show_instance", guid_or_crn, location=location, home=home)
        self._require_session(home)
        return [i for i in self.instances if guid_or_crn in (i.guid, i.crn)]

    def describe_instance(self, guid_or_crn: str, *, home: str | None = None) -> list[Any]:
        """`resource service-instance ID` as text: what `described` holds for that ID."""
        self._record("describe_instance", guid_or_crn, home=home)
        self._require_session(home)
        return [i for i in self.described if guid_or_crn in (i.guid, i.crn)]

    def list_instances(
        self,
        *,
        group: str | None = None,
        service: str | None = None,
        location: str | None = None,
        home: str | None = None,
    ) -> list[Any]:
        """`resource service-instances (-g G | --all-resource-groups)`: every instance in scope."""
        self._record("list_instances", group=group, service=service, location=location, home=home)
        self._require_session(home)
        return [
            i
            for i in self.instances
            if (
                group is None
                or group in (i.resource_group, i.resource_group_id)
                or self.group_ids.get(group) == i.resource_group_id
            )
            and (service is None or i.service_name == service)
            and (location is None or i.location == location)
        ]

    def find_instances(self, name_or_id: str, **kwargs: Any) -> list[Any]:
        from openscale_creds.ibmcloud import is_instance_id

        if is_instance_id(name_or_id):
            return self.show_instance(name_or_id, location=kwargs.get("location"), home=kwargs.get("home"))
        return [i for i in self.list_instances(**kwargs) if i.name == name_or_id]

    def oauth_token(self) -> str:
        self._record("oauth_token")
        return "fake-oauth-token-for-unit-tests-0000"


# --- secrets the fakes hand out, and where they must not show ---------------------------------------

SECRET_KEY = "unit-secret-key-5b1f0e9c7d2a4e8f9a6b3c1d"  # noqa: S105 - an obvious fake
NEW_KEY = "unit-new-key-0c9e8d7f6a5b4c3d2e1f0a9b8c7d"


def exception_texts(exc: BaseException) -> str:
    """Everything an exception can show: its str, repr, args, hint and formatted traceback, for it and
    every exception chained to it."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args), str(getattr(current, "hint", ""))]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def write_credentials(path: Path, key: str = SECRET_KEY) -> Path:
    doc = {
        "apikey": key,
        "instance_guid": "9fd067c6-8e7c-4f7d-ae85-3621be2100ea",
        "url": "https://api.aiopenscale.cloud.ibm.com",
        "region": "us-south",
        "instance_name": INSTANCE,
        "api_key_name": "old-key",
        "api_key_id": "ApiKey-old",
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
