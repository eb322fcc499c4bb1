"""`openscale_creds.load` as a notebook or script uses it: from a profile (plain file or keychain) or
from a credentials file, in a fresh interpreter whose HOME is the test's; and `import openscale_creds`
stays cheap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openscale_creds
import pytest
from _secret_service import MISSING, SecretService, running
from _store_helpers import KEY, OTHER_KEY, config_dir, run_python
from openscale_creds import credentials, errors
from openscale_creds.credentials import Credentials
from openscale_creds.store import Profile, ProfileStore

GUID = "5d0c7a94-1111-4222-8333-444455556666"
CREDS = Credentials(
    apikey=KEY,
    instance_guid=GUID,
    url="https://eu-de.api.aiopenscale.cloud.ibm.com",
    region="eu-de",
    instance_name="wos-eu",
    api_key_id="ApiKey-77",
)

# Runs `load(...)` and prints what a notebook would look at, as JSON, or the CredsError.
_LOAD = """
import json, sys
import openscale_creds
try:
    c = openscale_creds.load({args})
except openscale_creds.CredsError as exc:
    print(json.dumps({{"error": type(exc).__name__, "exit": int(exc.exit_code), "message": str(exc)}}))
else:
    modules = sorted(m for m in ("keyring", "typer", "click", "yaml") if m in sys.modules)
    print(json.dumps({{"apikey": c.apikey, "instance_guid": c.instance_guid, "url": c.url,
                      "region": c.region, "repr": repr(c), "modules": modules}}))
"""


def load_in_process(args: str = "", env: dict[str, str | None] | None = None) -> dict[str, object]:
    ran = run_python(_LOAD.format(args=args), env)
    assert ran.returncode == 0, ran.stderr
    result: dict[str, object] = json.loads(ran.stdout)
    return result


def saved_profiles(home: Path) -> ProfileStore:
    profiles = ProfileStore(config_dir(home), store="file", warn=lambda m: None)
    profiles.save(Profile.from_credentials("default", CREDS), KEY)
    other = Credentials(apikey=OTHER_KEY, instance_guid="guid-dev", region="us-south")
    profiles.save(Profile.from_credentials("dev", other), OTHER_KEY)
    return profiles


def test_importing_the_package_imports_no_cli_keyring_yaml_or_store() -> None:
    ran = run_python(
        "import sys, openscale_creds\n"
        "heavy = ('typer', 'click', 'keyring', 'yaml', 'secretstorage', 'openscale_creds.credentials',"
        " 'openscale_creds.store', 'openscale_creds.cli')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    assert ran.stdout.strip() == "[]", ran.stderr


def test_load_without_arguments_reads_the_default_profile(isolated_home: Path) -> None:
    saved_profiles(isolated_home)
    loaded = load_in_process()
    assert (loaded["apikey"], loaded["instance_guid"], loaded["url"], loaded["region"]) == (
        KEY,
        GUID,
        CREDS.url,
        "eu-de",
    )
    assert KEY not in str(loaded["repr"])
    assert loaded["modules"] == []  # a plain-file profile needs neither keyring nor the CLI


def test_load_without_arguments_follows_openscale_creds_profile(isolated_home: Path) -> None:
    saved_profiles(isolated_home)
    loaded = load_in_process(env={"OPENSCALE_CREDS_PROFILE": "dev"})
    assert (loaded["apikey"], loaded["instance_guid"]) == (OTHER_KEY, "guid-dev")


def test_load_of_a_named_profile(isolated_home: Path) -> None:
    saved_profiles(isolated_home)
    assert load_in_process("'dev'")["apikey"] == OTHER_KEY
    assert load_in_process("profile='default'")["apikey"] == KEY


def test_load_of_the_earlier_releases_credentials_yaml_works_on_first_use(isolated_home: Path) -> None:
    folder = config_dir(isolated_home)
    folder.mkdir(parents=True, mode=0o700)
    (folder / "credentials.yaml").write_text(credentials.render(CREDS, "yaml"), encoding="utf-8")
    assert load_in_process()["apikey"] == KEY


@pytest.mark.parametrize("fmt", ["yaml", "json", "env", "dotenv"])
def test_load_of_a_credentials_file_in_each_format_setup_writes(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"creds.{fmt}"
    path.write_text(credentials.render(CREDS, fmt), encoding=credentials.file_encoding(fmt))
    loaded = load_in_process(f"path={str(path)!r}")
    assert (loaded["apikey"], loaded["instance_guid"], loaded["url"], loaded["region"]) == (
        KEY,
        GUID,
        CREDS.url,
        "eu-de",
    )
    assert "keyring" not in loaded["modules"]  # type: ignore[operator]


def test_load_takes_a_path_object(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text(credentials.render(CREDS, "json"), encoding="utf-8")
    assert openscale_creds.load(path=path) == CREDS


def test_load_of_a_missing_file_or_profile_is_not_found(isolated_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert load_in_process(f"path={str(missing)!r}") == {
        "error": "NotFound",
        "exit": 5,
        "message": f"no credentials file {missing} (check the path)",
    }
    outcome = load_in_process("'prod'")
    assert outcome["error"] == "NotFound" and "no profile 'prod'" in str(outcome["message"])


def test_load_refuses_a_profile_and_a_path_together_and_a_bad_name(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError, match="not both"):
        openscale_creds.load("prod", path=tmp_path / "x.yaml")
    with pytest.raises(errors.UsageError, match="invalid profile name"):
        openscale_creds.load("my prod")


def test_a_bad_file_is_a_creds_error_naming_the_file_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text(f"apikey: {KEY}\n", encoding="utf-8")
    with pytest.raises(openscale_creds.CredsError) as caught:
        openscale_creds.load(path=path)
    assert str(path) in str(caught.value) and "instance_guid" in str(caught.value)
    assert KEY not in str(caught.value)


def test_the_package_exposes_the_credentials_type_and_the_error_type() -> None:
    assert openscale_creds.Credentials is Credentials
    assert openscale_creds.CredsError is errors.CredsError
    with pytest.raises(AttributeError):
        openscale_creds.NoSuchThing  # noqa: B018


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[SecretService]:
    with running(tmp_path / "secret-service") as service:
        yield service


@pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
def test_load_of_a_profile_kept_in_the_keychain(isolated_home: Path, secret_service: SecretService) -> None:
    ran = run_python(
        "from openscale_creds import store\n"
        "from openscale_creds.credentials import Credentials\n"
        f"c = Credentials(apikey={KEY!r}, instance_guid={GUID!r})\n"
        "store.ProfileStore().save(store.Profile.from_credentials('prod', c), c.apikey)\n",
        secret_service.env,
    )
    assert ran.returncode == 0, ran.stderr
    assert secret_service.items() == [("prod", KEY)]
    loaded = load_in_process("'prod'", secret_service.env)
    assert (loaded["apikey"], loaded["instance_guid"]) == (KEY, GUID)
    assert loaded["modules"] == ["keyring"]  # keyring is imported because this key needs it; no CLI
