"""The profile store without a keychain: names, the profiles file, the plain-file store, the lock,
taking over the earlier release's credentials.yaml, and keeping the key out of everything shown.

Tests that exercise the store as the CLI will run a real process (the isolated HOME of conftest);
the rest call the store directly. The keychain itself is tested in test_keychain.py."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from _secret_service import no_dbus_env
from _store_helpers import KEY, OTHER_KEY, config_dir, files_text, run_python, store_call
from openscale_creds import credentials, errors, store
from openscale_creds.credentials import Credentials
from openscale_creds.store import Profile, ProfileStore

GUID = "9f1c2b3a-0000-4000-8000-00000000abcd"
CREDS = Credentials(
    apikey=KEY,
    instance_guid=GUID,
    url="https://api.aiopenscale.cloud.ibm.com",
    region="us-south",
    resource_group="Default",
    instance_name="AI OpenScale-my_instance",
    instance_crn=f"crn:v1:bluemix:public:aiopenscale:us-south:a/acc::{GUID}::",
    api_key_name="openscale-creds-20250101",
    api_key_id="ApiKey-1234",
    created_at="2025-01-01T00:00:00Z",
)


def file_store(folder: Path, warnings: list[str] | None = None) -> ProfileStore:
    sink = warnings if warnings is not None else []
    return ProfileStore(folder, store="file", warn=sink.append)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- names and choices ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["default", "prod", "Prod.eu-de_2", "a", "x" * 64, "1.2.3"])
def test_profile_names_of_letters_digits_dots_underscores_and_dashes_are_accepted(name: str) -> None:
    assert store.validate_name(name) == name


@pytest.mark.parametrize("name", ["", "my prod", "a/b", "..\\x", "prøde", "x" * 65, "p\nq", "a:b", "$HOME"])
def test_any_other_profile_name_is_a_one_line_usage_error(name: str) -> None:
    with pytest.raises(errors.UsageError) as caught:
        store.validate_name(name)
    assert caught.value.exit_code == errors.ExitCode.USAGE
    assert "\n" not in str(caught.value)
    assert "letters, digits" in str(caught.value)


def test_the_profile_without_p_is_the_environment_variable_else_default() -> None:
    assert store.current_name({}) == "default"
    assert store.current_name({"OPENSCALE_CREDS_PROFILE": ""}) == "default"
    assert store.current_name({"OPENSCALE_CREDS_PROFILE": "prod"}) == "prod"


def test_an_invalid_profile_in_the_environment_names_the_variable() -> None:
    with pytest.raises(errors.UsageError, match="OPENSCALE_CREDS_PROFILE"):
        store.current_name({"OPENSCALE_CREDS_PROFILE": "no spaces"})


def test_the_store_option_beats_the_environment_which_beats_auto() -> None:
    assert store.resolve_store(None, {}) == "auto"
    assert store.resolve_store(None, {"OPENSCALE_CREDS_STORE": "file"}) == "file"
    assert store.resolve_store("keychain", {"OPENSCALE_CREDS_STORE": "file"}) == "keychain"
    assert store.resolve_store("FILE", {}) == "file"


@pytest.mark.parametrize(
    ("option", "env", "named"),
    [("vault", {}, "--store"), (None, {"OPENSCALE_CREDS_STORE": "x"}, "OPENSCALE_CREDS_STORE")],
)
def test_an_unknown_store_is_a_usage_error_naming_where_it_came_from(
    option: str | None, env: dict[str, str], named: str
) -> None:
    with pytest.raises(errors.UsageError, match=named) as caught:
        store.resolve_store(option, env)
    assert "keychain or file" in str(caught.value)


# --- the profiles file and the plain-file store ---------------------------------------------------


def test_a_saved_profile_reads_back_with_its_key_from_the_plain_file(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    saved = profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    assert saved.secret == store.SecretLocation("plain-file", str(tmp_path / "cfg" / "secrets.json"))
    assert profiles.get("prod") == saved
    assert file_store(tmp_path / "cfg").credentials("prod") == CREDS


def test_the_profiles_and_secrets_files_are_private_and_only_the_secrets_file_holds_the_key(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "cfg"
    file_store(folder).save(Profile.from_credentials("prod", CREDS), KEY)
    profiles_file, secrets_file = folder / "profiles.json", folder / "secrets.json"
    assert mode(profiles_file) == 0o600
    assert mode(secrets_file) == 0o600
    assert mode(folder) == 0o700
    assert KEY not in profiles_file.read_text(encoding="utf-8")
    assert KEY in secrets_file.read_text(encoding="utf-8")


def test_the_profiles_file_is_versioned_json_with_every_non_secret_field(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    file_store(folder).save(Profile.from_credentials("prod", CREDS), KEY)
    doc = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    assert doc["format"] == 1
    entry = doc["profiles"]["prod"]
    assert entry["instance_guid"] == GUID
    assert entry["instance_name"] == CREDS.instance_name
    assert entry["api_key_id"] == "ApiKey-1234"
    assert entry["region"] == "us-south"
    assert entry["secret"] == {"kind": "plain-file"}
    assert "apikey" not in entry


def test_profiles_are_listed_by_name_with_where_their_key_is(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("zeta", CREDS), KEY)
    out = tmp_path / "out.json"
    profiles.save(Profile.from_credentials("alpha", CREDS, store.in_file(out)))
    profiles.save(Profile.from_credentials("mid", CREDS, store.NOT_KEPT))
    listed = profiles.list()
    assert [p.name for p in listed] == ["alpha", "mid", "zeta"]
    assert [p.secret.describe() for p in listed] == [
        f"file {out}",
        "printed, not kept",
        f"plain file {tmp_path / 'cfg' / 'secrets.json'}",
    ]


def test_a_profile_can_point_at_the_file_setup_wrote_and_reads_its_key_from_there(tmp_path: Path) -> None:
    out = tmp_path / "creds.json"
    out.write_text(credentials.render(CREDS, "json"), encoding="utf-8")
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS, store.in_file(out)))
    assert profiles.credentials("prod") == CREDS
    assert not (tmp_path / "cfg" / "secrets.json").exists()


def test_a_file_written_again_for_another_key_is_not_read_as_the_profiles_key(tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS, store.in_file(out)))
    rotated = Credentials(apikey=OTHER_KEY, instance_guid=GUID, api_key_id="ApiKey-9999")
    out.write_text(credentials.render(rotated, "yaml"), encoding="utf-8")
    with pytest.raises(errors.NotFound, match="no longer holds the key") as caught:
        profiles.credentials("prod")
    assert OTHER_KEY not in str(caught.value)


def test_a_profile_whose_file_is_gone_says_so_and_how_to_store_a_key_again(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS, store.in_file(tmp_path / "gone.yaml")))
    with pytest.raises(errors.NotFound, match="no longer exists") as caught:
        profiles.credentials("prod")
    assert "`openscale-creds setup NAME_OR_GUID -p prod`" in str(caught.value)


def test_a_key_that_was_printed_and_not_kept_cannot_be_read_and_the_error_says_why(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("ci", CREDS, store.NOT_KEPT))
    with pytest.raises(errors.NotFound, match="printed, not kept") as caught:
        profiles.credentials("ci")
    assert caught.value.exit_code == errors.ExitCode.NOT_FOUND


def test_listing_before_any_setup_shows_nothing_and_creates_nothing(tmp_path: Path) -> None:
    assert file_store(tmp_path / "cfg").list() == []
    assert not (tmp_path / "cfg").exists()


def test_a_missing_profile_is_not_found_with_the_commands_that_help(tmp_path: Path) -> None:
    with pytest.raises(errors.NotFound) as caught:
        file_store(tmp_path / "cfg").get("prod")
    assert "no profile 'prod'" in str(caught.value)
    assert "openscale-creds list" in str(caught.value)
    assert file_store(tmp_path / "cfg").find("prod") is None


def test_pointing_a_profile_at_a_file_removes_the_key_it_kept_in_the_plain_file(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    profiles = file_store(folder)
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    profiles.save(Profile.from_credentials("prod", CREDS, store.NOT_KEPT))
    assert KEY not in (folder / "secrets.json").read_text(encoding="utf-8")
    assert profiles.get("prod").secret == store.NOT_KEPT


def test_saving_a_profile_again_replaces_its_key(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    profiles.save(Profile.from_credentials("prod", CREDS), OTHER_KEY)
    assert profiles.credentials("prod").apikey == OTHER_KEY
    assert KEY not in (tmp_path / "cfg" / "secrets.json").read_text(encoding="utf-8")


def test_delete_removes_the_profile_and_its_key_and_deleting_again_is_harmless(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    profiles = file_store(folder)
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    profiles.save(Profile.from_credentials("dev", CREDS), OTHER_KEY)
    removed = profiles.delete("prod")
    assert removed is not None and removed.api_key_id == "ApiKey-1234"
    assert [p.name for p in profiles.list()] == ["dev"]
    assert KEY not in files_text(folder)
    assert profiles.credentials("dev").apikey == OTHER_KEY
    assert profiles.delete("prod") is None


def test_delete_leaves_the_users_own_credentials_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "creds.yaml"
    out.write_text(credentials.render(CREDS, "yaml"), encoding="utf-8")
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS, store.in_file(out)))
    removed = profiles.delete("prod")
    assert removed is not None and removed.secret == store.in_file(out)
    assert out.read_text(encoding="utf-8") == credentials.render(CREDS, "yaml")


def test_two_names_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    profiles = file_store(tmp_path / "cfg")
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    with pytest.raises(errors.UsageError, match="only in case"):
        profiles.save(Profile.from_credentials("Prod", CREDS), OTHER_KEY)
    assert profiles.credentials("prod").apikey == KEY


def test_a_damaged_profiles_file_is_refused_naming_it_and_not_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir(mode=0o700)
    damaged = '{"format": 1, "profiles": {"prod": '
    (folder / "profiles.json").write_text(damaged, encoding="utf-8")
    profiles = file_store(folder)
    with pytest.raises(errors.Refused, match="not valid JSON") as caught:
        profiles.list()
    assert str(folder / "profiles.json") in str(caught.value)
    with pytest.raises(errors.Refused):
        profiles.save(Profile.from_credentials("dev", CREDS), KEY)
    assert (folder / "profiles.json").read_text(encoding="utf-8") == damaged


def test_a_profiles_file_from_a_newer_release_asks_for_an_upgrade(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir(mode=0o700)
    (folder / "profiles.json").write_text('{"format": 2, "profiles": {}}', encoding="utf-8")
    with pytest.raises(errors.Refused, match="newer openscale-creds") as caught:
        file_store(folder).list()
    assert "upgrade" in str(caught.value)


def test_a_damaged_secrets_file_is_refused_without_quoting_it(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    profiles = file_store(folder)
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    (folder / "secrets.json").write_text('{"format": 1, "apikeys": {"prod": "' + KEY, encoding="utf-8")
    with pytest.raises(errors.Refused) as caught:
        profiles.credentials("prod")
    assert KEY not in str(caught.value)
    assert "secrets.json" in str(caught.value)


# --- the lock: two setups at once ------------------------------------------------------------------


_SAVER = """
import sys
from openscale_creds import store
from openscale_creds.credentials import Credentials
who, count = sys.argv[1], int(sys.argv[2])
profiles = store.ProfileStore(store="file", warn=lambda m: None)
for i in range(count):
    name = f"{who}-{i}"
    creds = Credentials(apikey=f"key-of-{name}-0123456789", instance_guid=f"guid-{name}")
    profiles.save(store.Profile.from_credentials(name, creds), creds.apikey)
"""


def test_profiles_saved_by_several_processes_at_once_are_all_kept(isolated_home: Path) -> None:
    import subprocess

    writers, each = 4, 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SAVER, f"w{n}", str(each)], stderr=subprocess.PIPE, text=True
        )
        for n in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    profiles = ProfileStore(config_dir(isolated_home), store="file")
    names = {p.name for p in profiles.list()}
    assert names == {f"w{n}-{i}" for n in range(writers) for i in range(each)}
    for name in ("w0-0", "w3-14", "w2-7"):
        assert profiles.credentials(name).apikey == f"key-of-{name}-0123456789"


def test_a_change_waits_for_the_lock_and_gives_up_with_a_timeout_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cfg"
    profiles = file_store(folder)
    profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.3)
    with open(folder / "profiles.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(errors.TimedOut, match="another openscale-creds"):
            profiles.save(Profile.from_credentials("dev", CREDS), OTHER_KEY)
        assert [p.name for p in profiles.list()] == ["prod"]  # readers take no lock
    profiles.save(Profile.from_credentials("dev", CREDS), OTHER_KEY)
    assert [p.name for p in profiles.list()] == ["dev", "prod"]


# --- no keychain: the plain-file fallback, said once -------------------------------------------------


_SAVE_AUTO = """
import keyring
from keyring.backends import fail
from openscale_creds.credentials import Credentials
detected = keyring.get_keyring()
assert isinstance(detected, fail.Keyring), detected
creds = Credentials(apikey="{key}", instance_guid="guid-1")
saved = store.ProfileStore().save(store.Profile.from_credentials("{name}", creds), creds.apikey)
result = saved.secret.describe()
"""


def test_without_any_dbus_the_key_goes_to_a_private_plain_file_and_that_is_said_once(
    isolated_home: Path, tmp_path: Path
) -> None:
    env = no_dbus_env(tmp_path)
    first = store_call(_SAVE_AUTO.format(key=KEY, name="prod"), env)
    assert first.returncode == 0, first.stderr
    secrets_file = config_dir(isolated_home) / "secrets.json"
    assert json.loads(first.stdout) == {"ok": f"plain file {secrets_file}"}
    assert first.stderr.count("no keychain works here") == 1
    assert str(secrets_file) in first.stderr
    assert "--store keychain|file" in first.stderr and "OPENSCALE_CREDS_STORE" in first.stderr
    assert mode(secrets_file) == 0o600

    second = store_call(_SAVE_AUTO.format(key=OTHER_KEY, name="dev"), env)
    assert json.loads(second.stdout) == {"ok": f"plain file {secrets_file}"}
    assert "no keychain" not in second.stderr
    read = store_call("result = store.ProfileStore().credentials('prod').apikey", env)
    assert json.loads(read.stdout) == {"ok": KEY}
    assert KEY not in first.stderr + second.stderr + read.stderr


def test_choosing_the_plain_file_says_nothing_and_never_imports_keyring(
    isolated_home: Path, tmp_path: Path
) -> None:
    ran = store_call(
        f"""
        from openscale_creds.credentials import Credentials
        creds = Credentials(apikey="{KEY}", instance_guid="guid-1")
        store.ProfileStore().save(store.Profile.from_credentials("prod", creds), creds.apikey)
        result = ["keyring" in sys.modules, store.ProfileStore().credentials("prod").apikey == creds.apikey]
        """,
        {"OPENSCALE_CREDS_STORE": "file", **no_dbus_env(tmp_path)},
    )
    assert json.loads(ran.stdout) == {"ok": [False, True]}
    assert ran.stderr == ""


def test_insisting_on_the_keychain_where_none_works_is_refused_and_nothing_is_written(
    isolated_home: Path, tmp_path: Path
) -> None:
    ran = store_call(
        f"""
        from openscale_creds.credentials import Credentials
        creds = Credentials(apikey="{KEY}", instance_guid="guid-1")
        store.ProfileStore(store="keychain").save(store.Profile.from_credentials("prod", creds), creds.apikey)
        result = "saved"
        """,
        no_dbus_env(tmp_path),
    )
    outcome = json.loads(ran.stdout)
    assert outcome["error"] == "Refused" and outcome["exit"] == 10
    assert "no keychain works here" in outcome["message"]
    assert "--store file" in outcome["message"]
    assert not (config_dir(isolated_home) / "secrets.json").exists()
    assert not (config_dir(isolated_home) / "profiles.json").exists()


# A keyring backend keyring itself does not recommend (priority below 1), as keyrings.alt's plaintext
# one is: it writes each password to a file so the test can see it was never used.
_PLAINTEXT_BACKEND = """
import os
from keyring.backend import KeyringBackend

class PlainBackend(KeyringBackend):
    priority = 0.5

    def _path(self, service, username):
        return os.path.join(os.environ["PLAIN_BACKEND_DIR"], f"{service}-{username}")

    def get_password(self, service, username):
        try:
            with open(self._path(service, username)) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def set_password(self, service, username, password):
        with open(self._path(service, username), "w") as f:
            f.write(password)

    def delete_password(self, service, username):
        os.remove(self._path(service, username))
"""


def test_a_plaintext_keyring_backend_does_not_count_as_a_keychain(
    isolated_home: Path, tmp_path: Path
) -> None:
    backend_dir = tmp_path / "backend"
    backend_dir.mkdir()
    (backend_dir / "plain_backend.py").write_text(_PLAINTEXT_BACKEND, encoding="utf-8")
    written = tmp_path / "written"
    written.mkdir()
    env = {
        **no_dbus_env(tmp_path),
        "PYTHONPATH": str(backend_dir),
        "PYTHON_KEYRING_BACKEND": "plain_backend.PlainBackend",
        "PLAIN_BACKEND_DIR": str(written),
    }
    ran = store_call(
        f"""
        import keyring
        assert type(keyring.get_keyring()).__name__ == "PlainBackend"
        from openscale_creds.credentials import Credentials
        creds = Credentials(apikey="{KEY}", instance_guid="guid-1")
        saved = store.ProfileStore().save(store.Profile.from_credentials("prod", creds), creds.apikey)
        result = saved.secret.kind
        """,
        env,
    )
    assert json.loads(ran.stdout) == {"ok": "plain-file"}, ran.stderr
    assert "no keychain works here" in ran.stderr
    assert list(written.iterdir()) == []


# --- cheap imports -------------------------------------------------------------------------------------


def test_listing_profiles_imports_neither_keyring_nor_yaml(isolated_home: Path) -> None:
    file_store(config_dir(isolated_home)).save(Profile.from_credentials("prod", CREDS), KEY)
    ran = store_call(
        """
        names = [p.name for p in store.ProfileStore().list()]
        result = [names, sorted(m for m in ("keyring", "yaml", "secretstorage") if m in sys.modules)]
        """
    )
    assert json.loads(ran.stdout) == {"ok": [["prod"], []]}


# --- taking over the earlier release's credentials.yaml ---------------------------------------------


def legacy_file(home: Path) -> Path:
    folder = config_dir(home)
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    path = folder / "credentials.yaml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(credentials.render(CREDS, "yaml"))
    return path


def test_the_earlier_releases_credentials_yaml_becomes_the_default_profile_said_once(
    isolated_home: Path,
) -> None:
    legacy = legacy_file(isolated_home)
    before = legacy.read_bytes()
    first = store_call("result = [p.as_dict() for p in store.ProfileStore().list()]")
    rows = json.loads(first.stdout)["ok"]
    assert [(r["name"], r["instance_guid"], r["secret"]) for r in rows] == [
        ("default", GUID, f"file {legacy}")
    ]
    assert first.stderr.count("took over") == 1 and str(legacy) in first.stderr
    assert "`openscale-creds setup NAME_OR_GUID -p default`" in first.stderr

    second = store_call("result = store.ProfileStore().credentials('default').apikey")
    assert json.loads(second.stdout) == {"ok": KEY}
    assert second.stderr == ""
    assert legacy.read_bytes() == before and mode(legacy) == 0o600
    assert KEY not in (config_dir(isolated_home) / "profiles.json").read_text(encoding="utf-8")
    assert not (config_dir(isolated_home) / "secrets.json").exists()


def test_the_legacy_file_is_not_taken_over_again_after_its_profile_is_removed(isolated_home: Path) -> None:
    legacy_file(isolated_home)
    profiles = ProfileStore(config_dir(isolated_home), store="file", warn=lambda m: None)
    assert profiles.delete("default") is not None
    assert ProfileStore(config_dir(isolated_home), store="file").list() == []


def test_a_default_profile_made_before_the_takeover_is_not_replaced(isolated_home: Path) -> None:
    folder = config_dir(isolated_home)
    file_store(folder).save(Profile.from_credentials("default", CREDS), OTHER_KEY)
    legacy_file(isolated_home)
    said: list[str] = []
    assert file_store(folder, said).credentials("default").apikey == OTHER_KEY
    assert said == []


def test_an_unreadable_legacy_file_is_reported_once_and_left_as_is(isolated_home: Path) -> None:
    folder = config_dir(isolated_home)
    folder.mkdir(parents=True, mode=0o700)
    (folder / "credentials.yaml").write_text(f"apikey: {KEY}\n", encoding="utf-8")  # no instance_guid
    said: list[str] = []
    assert file_store(folder, said).list() == []
    assert file_store(folder, said).list() == []
    assert len(said) == 1 and "could not be taken over" in said[0]
    assert KEY not in said[0]


# --- secret hygiene -------------------------------------------------------------------------------------


def test_the_key_never_shows_in_profiles_listings_reprs_or_errors(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    profiles = file_store(folder)
    saved = profiles.save(Profile.from_credentials("prod", CREDS), KEY)
    shown = [
        repr(profiles),
        repr(saved),
        str(saved.as_dict()),
        repr(profiles.list()),
        repr(profiles.credentials("prod")),
    ]
    out = tmp_path / "creds.yaml"
    profiles.save(Profile.from_credentials("f", CREDS, store.in_file(out)))
    out.write_text(
        credentials.render(Credentials(apikey=KEY, instance_guid="other"), "yaml"), encoding="utf-8"
    )
    with pytest.raises(errors.CredsError) as mismatch:
        profiles.credentials("f")
    shown.append(str(mismatch.value))
    for text in shown:
        assert KEY not in text
    assert KEY not in (folder / "profiles.json").read_text(encoding="utf-8")


def test_a_process_that_fails_on_a_stored_profile_prints_no_key(isolated_home: Path) -> None:
    code = textwrap.dedent(
        f"""
        from openscale_creds import store
        from openscale_creds.credentials import Credentials
        p = store.ProfileStore(store="file")
        creds = Credentials(apikey="{KEY}", instance_guid="g")
        p.save(store.Profile.from_credentials("prod", creds), creds.apikey)
        p.get("missing")
        """
    )
    ran = run_python(code)
    assert ran.returncode != 0 and "no profile 'missing'" in ran.stderr
    assert KEY not in ran.stderr + ran.stdout
