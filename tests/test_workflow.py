"""The workflows over an in-memory `IbmCloud` (tests/_fakes.py): every path, SSO included, without a
process. The end-to-end suites prove the same flows through the installed command and the fake CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _e2e import INSTANCE
from _fakes import NEW_KEY, SECRET_KEY, FakeCloud, QuietUi, exception_texts, write_credentials

CODE = "unit-one-time-code-4711"
NO_DISPLAY: dict[str, str] = {}


def login(cloud: FakeCloud, ui: QuietUi, environ: dict[str, str] | None = None, **opts: Any) -> Any:
    from openscale_creds.workflow.login import LoginOptions, login

    return login(cloud, LoginOptions(**opts), ui, environ=environ or NO_DISPLAY, sso_when_needed=True)


def called(cloud: FakeCloud, method: str) -> list[dict[str, Any]]:
    return [kwargs for name, _args, kwargs in cloud.calls if name == method]


# --- login ---------------------------------------------------------------------------------------


def test_sso_login_passes_account_region_and_group_and_asks_the_person_for_the_code() -> None:
    cloud, ui = FakeCloud(), QuietUi(passcode=CODE)

    target, fresh = login(cloud, ui, sso=True, account="Demo Account", region="eu-de", group="Default")

    assert fresh and target.logged_in
    assert called(cloud, "login_sso") == [
        {
            "account": "Demo Account",
            "region": "eu-de",
            "no_region": False,
            "group": "Default",
            "open_browser": False,
        }
    ]
    assert f"passcode for {FakeCloud.PASSCODE_URL}" in ui.shown
    assert "Logging in with SSO" in ui.shown


@pytest.mark.parametrize(
    ("browser", "environ", "opened"),
    [
        (None, {}, False),
        (None, {"DISPLAY": ":0"}, True),
        (None, {"WAYLAND_DISPLAY": "wayland-0"}, True),
        (True, {}, True),
        (False, {"DISPLAY": ":0"}, False),
    ],
)
def test_sso_opens_a_browser_when_asked_or_else_only_where_there_is_a_display(
    browser: bool | None, environ: dict[str, str], opened: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    cloud = FakeCloud()

    login(cloud, QuietUi(passcode=CODE), environ=environ, sso=True, browser=browser)

    assert called(cloud, "login_sso")[0]["open_browser"] is opened


def test_with_no_session_and_a_person_at_the_terminal_sso_starts_by_itself() -> None:
    from openscale_creds.models import Target

    cloud = FakeCloud(session=Target(logged_in=False))

    _target, fresh = login(cloud, QuietUi(interactive=True, passcode=CODE))

    assert fresh
    assert [name for name, _a, _k in cloud.calls] == ["target", "login_sso"]


def test_with_no_session_and_nobody_at_the_terminal_login_exits_4_without_starting_sso() -> None:
    from openscale_creds.errors import ExitCode, NotLoggedIn
    from openscale_creds.models import Target

    cloud = FakeCloud(session=Target(logged_in=False))

    with pytest.raises(NotLoggedIn) as caught:
        login(cloud, QuietUi(interactive=False))

    assert caught.value.exit_code == ExitCode.NOT_LOGGED_IN
    assert "--sso" in str(caught.value)
    assert called(cloud, "login_sso") == []


def test_an_sso_login_that_leaves_no_session_is_not_logged_in() -> None:
    from openscale_creds.errors import NotLoggedIn
    from openscale_creds.models import Target

    cloud = FakeCloud(after_sso=Target(logged_in=False))

    with pytest.raises(NotLoggedIn, match="did not leave a usable session"):
        login(cloud, QuietUi(passcode=CODE), sso=True)


def test_an_sso_login_that_lands_in_another_account_than_asked_is_not_found() -> None:
    from openscale_creds.errors import NotFound

    with pytest.raises(NotFound, match="not 'Other Account'"):
        login(FakeCloud(), QuietUi(passcode=CODE), sso=True, account="Other Account")


def test_a_usable_session_is_reused_without_logging_in() -> None:
    cloud = FakeCloud()

    target, fresh = login(cloud, QuietUi())

    assert target.logged_in and not fresh
    assert [name for name, _a, _k in cloud.calls] == ["target"]


def test_setup_with_sso_logs_in_finds_the_instance_and_writes_the_credentials(tmp_path: Any) -> None:
    from openscale_creds.models import ServiceInstance
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions, setup

    instance = ServiceInstance(name=INSTANCE, guid="guid-1", location="us-south", service_name="aiopenscale")
    cloud = FakeCloud([instance])
    out = tmp_path / "creds.json"
    opts = SetupOptions(instance=INSTANCE, login=LoginOptions(sso=True), out=str(out), fmt="json")

    result = setup(cloud, opts, QuietUi(passcode=CODE), environ=NO_DISPLAY, write_stdout=print)

    assert result.created_key and result.path == out
    assert [name for name, _a, _k in cloud.calls] == ["login_sso", "list_instances", "create_api_key"]
    assert '"instance_guid": "guid-1"' in out.read_text(encoding="utf-8")


# --- error paths: which key is where, and never a key's value -----------------------------------


def instance_model() -> Any:
    from openscale_creds.models import ServiceInstance

    return ServiceInstance(
        name=INSTANCE,
        guid="9fd067c6-8e7c-4f7d-ae85-3621be2100ea",
        location="us-south",
        service_name="aiopenscale",
        url="https://api.aiopenscale.cloud.ibm.com",
    )


def run_setup(cloud: FakeCloud, out: str, fmt: str = "yaml") -> None:
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions, setup

    opts = SetupOptions(instance=INSTANCE, login=LoginOptions(), out=out, fmt=fmt, force=True)
    setup(cloud, opts, QuietUi(), environ={"IBMCLOUD_API_KEY": SECRET_KEY}, write_stdout=print)


def test_setup_that_cannot_save_the_new_key_names_its_id_not_its_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openscale_creds import secretfile
    from openscale_creds.errors import CredsError, Refused

    def refuse(path: Path, text: str, **kwargs: Any) -> None:
        raise Refused(f"cannot write {path}: disk full")

    monkeypatch.setattr(secretfile, "write_secret", refuse)
    cloud = FakeCloud([instance_model()], new_keys=[NEW_KEY])
    with pytest.raises(CredsError) as caught:
        run_setup(cloud, str(tmp_path / "creds.yaml"))
    shown = exception_texts(caught.value)
    assert "ApiKey-fake-1" in str(caught.value)
    assert NEW_KEY not in shown and SECRET_KEY not in shown


@pytest.mark.parametrize("delete_fails", [False, True], ids=["deleted", "delete-failed"])
def test_setup_whose_format_cannot_carry_the_key_never_quotes_it(delete_fails: bool) -> None:
    from openscale_creds.errors import CommandFailed, Unrepresentable

    unsafe = "unit-key-with-a\nline-feed-0123456789abcdef"
    fail = {"delete_api_key": CommandFailed("delete failed")} if delete_fails else {}
    cloud = FakeCloud([instance_model()], new_keys=[unsafe], fail=fail)
    with pytest.raises(Unrepresentable) as caught:
        run_setup(cloud, "-", fmt="dotenv")
    shown = exception_texts(caught.value)
    assert "unit-key-with-a" not in shown and "line-feed-0123456789abcdef" not in shown
    assert ("api-key-delete" in shown) == delete_fails


def rotate_failure(cloud: FakeCloud, tmp_path: Path) -> BaseException:
    from openscale_creds.errors import CredsError
    from openscale_creds.workflow.verify import rotate

    path = write_credentials(tmp_path / "creds.json")
    with pytest.raises(CredsError) as caught:
        rotate(cloud, path, "json", QuietUi(), key_name="new-key")
    return caught.value


def test_rotate_whose_new_key_fails_verification_names_ids_and_files_only(tmp_path: Path) -> None:
    from openscale_creds.errors import NotFound

    cloud = FakeCloud([], new_keys=[NEW_KEY], fail={"find_instances": NotFound("no such instance")})
    shown = exception_texts(rotate_failure(cloud, tmp_path))
    assert "ApiKey-old" in shown and "creds.json.new" in shown
    assert SECRET_KEY not in shown and NEW_KEY not in shown


def test_rotate_that_cannot_delete_the_old_key_names_ids_only(tmp_path: Path) -> None:
    from openscale_creds.errors import CommandFailed

    cloud = FakeCloud(
        [instance_model()], new_keys=[NEW_KEY], fail={"delete_api_key": CommandFailed("refused")}
    )
    shown = exception_texts(rotate_failure(cloud, tmp_path))
    assert "still exists" in shown
    assert SECRET_KEY not in shown and NEW_KEY not in shown


def test_rotate_and_verify_with_a_rejected_key_never_quote_it(tmp_path: Path) -> None:
    from openscale_creds import credentials
    from openscale_creds.errors import NotLoggedIn
    from openscale_creds.workflow.verify import verify

    rejected = NotLoggedIn("login with the API key failed: Unable to authenticate.")
    shown = exception_texts(rotate_failure(FakeCloud(fail={"login_apikey": rejected}), tmp_path))
    assert SECRET_KEY not in shown
    creds = credentials.load(write_credentials(tmp_path / "v.json").read_bytes())
    with pytest.raises(NotLoggedIn) as caught:
        verify(FakeCloud(fail={"login_apikey": rejected}), creds, QuietUi())
    assert SECRET_KEY not in exception_texts(caught.value)


def test_logging_in_to_the_wrong_account_never_quotes_the_key() -> None:
    from openscale_creds.errors import NotFound
    from openscale_creds.workflow.login import LoginOptions, login

    opts = LoginOptions(account="Some Other Account")
    with pytest.raises(NotFound) as caught:
        login(FakeCloud(), opts, QuietUi(), environ={"IBMCLOUD_API_KEY": SECRET_KEY})
    assert SECRET_KEY not in exception_texts(caught.value)


def test_api_key_create_that_cannot_save_the_key_deletes_it_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openscale_creds import secretfile
    from openscale_creds.errors import Refused
    from openscale_creds.workflow.keys import create_api_key

    def refuse(path: Path, text: str, **kwargs: Any) -> None:
        raise Refused(f"cannot write {path}: disk full")

    monkeypatch.setattr(secretfile, "write_secret", refuse)
    cloud = FakeCloud(new_keys=[NEW_KEY])
    with pytest.raises(Refused) as caught:
        create_api_key(cloud, "k1", "d", file=tmp_path / "key.json", force=False)

    assert "could not be saved, so it was deleted" in str(caught.value)
    assert [args for name, args, _k in cloud.calls if name == "delete_api_key"] == [("ApiKey-fake-1",)]
    assert NEW_KEY not in exception_texts(caught.value)


def test_an_interrupt_gets_no_note_unless_asked_and_other_errors_do() -> None:
    from openscale_creds.errors import CommandFailed, Interrupted, adding

    with pytest.raises(Interrupted) as interrupted, adding(" — note"):
        raise Interrupted("interrupted")
    with pytest.raises(Interrupted) as noted, adding(" — note", unless=()):
        raise Interrupted("interrupted")
    with pytest.raises(CommandFailed) as failed, adding(lambda: " — computed"):
        raise CommandFailed("failed")

    assert str(interrupted.value) == "interrupted"
    assert str(noted.value) == "interrupted — note"
    assert str(failed.value) == "failed — computed"


# --- the lookup rule (issue 11 §4) ---------------------------------------------------------------


def two_groups() -> list[Any]:
    from openscale_creds.models import ServiceInstance

    def one(guid: str, group: str, location: str, name: str = "dup") -> Any:
        return ServiceInstance(
            name=name,
            guid=guid,
            location=location,
            resource_group_id=f"id-{group}",
            service_name="aiopenscale",
        )

    return [
        one("11111111-1111-4111-8111-111111111111", "a", "us-south"),
        one("22222222-2222-4222-8222-222222222222", "b", "eu-de"),
        one("33333333-3333-4333-8333-333333333333", "b", "eu-gb", name="Mixed Case"),
    ]


def test_a_name_is_looked_up_in_every_group_and_two_matches_are_ambiguous_listing_both() -> None:
    from openscale_creds.errors import Ambiguous
    from openscale_creds.workflow.instances import resolve_instance

    cloud = FakeCloud(two_groups())
    with pytest.raises(Ambiguous) as caught:
        resolve_instance(cloud, "dup", narrowing=("--group", "--location"))

    assert called(cloud, "list_instances") == [
        {"group": None, "service": None, "location": None, "home": None}
    ]
    text = str(caught.value)
    assert "guid=11111111-1111-4111-8111-111111111111  resource_group=id-a  region=us-south" in text
    assert "guid=22222222-2222-4222-8222-222222222222  resource_group=id-b  region=eu-de" in text
    assert "`--group`" in text and "`--location`" in text


def test_a_command_without_group_options_is_not_told_to_use_them() -> None:
    from openscale_creds.errors import Ambiguous
    from openscale_creds.workflow.instances import resolve_instance

    with pytest.raises(Ambiguous) as caught:
        resolve_instance(FakeCloud(two_groups()), "dup")
    assert caught.value.hint == "pass the GUID instead"


def test_a_group_limits_a_name_to_that_group_only() -> None:
    from openscale_creds.workflow.instances import resolve_instance

    cloud = FakeCloud(two_groups())
    found = resolve_instance(cloud, "dup", group="id-b")
    assert found.location == "eu-de"
    assert called(cloud, "list_instances")[0]["group"] == "id-b"


def test_a_guid_is_shown_directly_in_any_group_whatever_group_is_given() -> None:
    from openscale_creds.workflow.instances import resolve_instance

    cloud = FakeCloud(two_groups())
    found = resolve_instance(cloud, "22222222-2222-4222-8222-222222222222", group="id-a")
    assert found.location == "eu-de"
    assert [name for name, _a, _k in cloud.calls] == ["show_instance"]


def test_names_match_with_their_case_and_a_near_miss_is_suggested() -> None:
    from openscale_creds.errors import NotFound
    from openscale_creds.workflow.instances import resolve_instance

    with pytest.raises(NotFound) as caught:
        resolve_instance(FakeCloud(two_groups()), "mixed case")
    assert "did you mean 'Mixed Case'?" in str(caught.value)


def test_a_name_printed_as_invalid_utf8_is_never_guessed_at() -> None:
    from openscale_creds.errors import NotFound
    from openscale_creds.models import ServiceInstance
    from openscale_creds.workflow.instances import resolve_instance

    garbled = ServiceInstance(name="\ufffd\ufffddup", guid="44444444-4444-4444-8444-444444444444")
    with pytest.raises(NotFound) as caught:
        resolve_instance(FakeCloud([garbled]), "dup")
    assert "not valid UTF-8; pass the GUID instead" in str(caught.value)


# --- setup's calls (issue 15 §2) --------------------------------------------------------------------


def setup_with(cloud: FakeCloud, ui: QuietUi, environ: dict[str, str], **login_opts: Any) -> Any:
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions, setup

    opts = SetupOptions(instance=INSTANCE, login=LoginOptions(**login_opts), out="-", fmt="json")
    return setup(cloud, opts, ui, environ=environ, write_stdout=lambda _text: None)


def in_default_group() -> FakeCloud:

    listed = instance_model().replace(resource_group_id="id-default")
    return FakeCloud([listed], group_ids={"Default": "id-default"})


def test_setup_with_a_session_makes_the_lookup_and_the_key_and_nothing_else() -> None:
    cloud = in_default_group()
    result = setup_with(cloud, QuietUi(), NO_DISPLAY, group="Default")
    assert [name for name, _a, _k in cloud.calls] == ["list_instances", "create_api_key"]
    assert called(cloud, "list_instances")[0]["group"] == "Default"
    assert called(cloud, "list_instances")[0]["service"] == "aiopenscale"
    assert result.credentials.resource_group == "Default"


def test_setup_without_a_session_logs_in_with_sso_at_a_terminal_and_looks_up_again() -> None:
    from openscale_creds.models import Target

    cloud = FakeCloud([instance_model()], session=Target(logged_in=False))
    ui = QuietUi(interactive=True, passcode=CODE)
    setup_with(cloud, ui, NO_DISPLAY)
    assert [name for name, _a, _k in cloud.calls] == [
        "list_instances",
        "login_sso",
        "list_instances",
        "create_api_key",
    ]
    assert (
        "Your ibmcloud session now targets account Demo Account, region us-south, group Default "
        "(changed by openscale-creds setup)"
    ) in ui.shown


def test_setup_without_a_session_and_nobody_at_the_terminal_exits_4_naming_the_ways_to_log_in() -> None:
    from openscale_creds.errors import NotLoggedIn
    from openscale_creds.models import Target
    from openscale_creds.workflow.login import LOGIN_WAYS

    cloud = FakeCloud([instance_model()], session=Target(logged_in=False))
    with pytest.raises(NotLoggedIn) as caught:
        setup_with(cloud, QuietUi(interactive=False), NO_DISPLAY)
    assert caught.value.hint == LOGIN_WAYS
    assert [name for name, _a, _k in cloud.calls] == ["list_instances"]


def test_setup_with_an_api_key_does_everything_in_one_private_home_and_removes_it() -> None:
    cloud = in_default_group()
    ui = QuietUi()
    setup_with(cloud, ui, {"IBMCLOUD_API_KEY": SECRET_KEY}, group="Default")
    assert [name for name, _a, _k in cloud.calls] == ["login_apikey", "list_instances", "create_api_key"]
    homes = {kwargs["home"] for _name, _a, kwargs in cloud.calls}
    assert len(homes) == 1 and None not in homes
    assert not Path(str(homes.pop())).exists()
    assert not any("session now targets" in line for line in ui.shown)


def test_setup_with_an_account_checks_the_session_account_first() -> None:
    from openscale_creds.errors import NotFound

    cloud = FakeCloud([instance_model()])
    with pytest.raises(NotFound, match="not 'Other Account'"):
        setup_with(cloud, QuietUi(), NO_DISPLAY, account="Other Account")
    assert [name for name, _a, _k in cloud.calls] == ["target"]


def test_setup_by_guid_does_not_record_a_group_it_did_not_search() -> None:
    from openscale_creds.workflow.login import LoginOptions
    from openscale_creds.workflow.setup import SetupOptions, setup

    model = instance_model()
    opts = SetupOptions(instance=model.guid, login=LoginOptions(group="AI Lab"), out="-", fmt="json")
    result = setup(FakeCloud([model]), opts, QuietUi(), environ=NO_DISPLAY, write_stdout=lambda _t: None)
    assert result.credentials.resource_group is None
