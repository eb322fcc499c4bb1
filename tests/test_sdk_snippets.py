"""Documentation that runs: the README's Python snippets, run as written, get our key, URL and GUID
from the files we write, through IBM's own reader (ibm-cloud-sdk-core, the version range that
ibm-watson-openscale 3.1.x pins).

ibm-watson-openscale itself is not installed for tests: it pulls in pandas, pins its core library
and supports only some Python versions. A stand-in `ibm_watson_openscale` package offers
`APIClient` with the 3.1.11 constructor's parameters (no catch-all, so a misspelt argument fails)
and prints what it was given. Everything up to that call is the real SDK core, in a child process
with an environment and working folder of the test's making.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openscale_creds.credentials import Credentials, file_encoding, render

pytest.importorskip("ibm_cloud_sdk_core", reason="ibm-cloud-sdk-core is a dev extra")

README = Path(__file__).resolve().parent.parent / "README.md"
CREDS = Credentials(
    apikey="fake-apikey-for-sdk-tests-000000000000000000",
    instance_guid="00000000-1111-2222-3333-444444444444",
    url="https://api.aiopenscale.test.example",
    region="us-south",
    instance_name="AI OpenScale-my_instance",
    api_key_id="ApiKey-00000000-aaaa-bbbb-cccc-000000000000",
)
EXPECTED = {"apikey": CREDS.apikey, "service_url": CREDS.url, "service_instance_id": CREDS.instance_guid}

# The parameters of ibm_watson_openscale.APIClient.__init__ in 3.1.11 (client.py), minus **kwargs.
STAND_IN = """
import json
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

class APIClient:
    def __init__(self, authenticator=None, service_url=None, service_instance_id=None,
                 bedrock_url=None, header={}):
        assert isinstance(authenticator, IAMAuthenticator), type(authenticator)
        print(json.dumps({"apikey": authenticator.token_manager.apikey, "service_url": service_url,
                          "service_instance_id": service_instance_id}))
"""


def readme_snippets() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return [block for block in blocks if "ibm_watson_openscale" in block]


def snippet_reading(marker: str) -> str:
    found = [block for block in readme_snippets() if marker in block]
    assert len(found) == 1, f"the README has no single Python snippet using {marker}"
    return found[0]


def child_env(work: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work.parent / "sdk-home"),  # no ~/ibm-credentials.env
        "PYTHONPATH": str(work.parent / "stand-in"),
        **extra,
    }


def answer_of(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    answer: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def run_snippet(code: str, work: Path, **env: str) -> dict[str, str]:
    return answer_of(
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=work,
            env=child_env(work, **env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working folder of a child: an empty home beside it, and the stand-in SDK on its path."""
    (tmp_path / "sdk-home").mkdir()
    package = tmp_path / "stand-in" / "ibm_watson_openscale"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(STAND_IN, encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def test_the_readme_snippet_reads_our_dotenv_file_from_the_working_folder(work: Path) -> None:
    (work / "ibm-credentials.env").write_text(render(CREDS, "dotenv"), encoding=file_encoding("dotenv"))
    assert run_snippet(snippet_reading("read_external_sources"), work) == EXPECTED


def test_the_readme_snippet_reads_our_dotenv_file_named_by_ibm_credentials_file(work: Path) -> None:
    elsewhere = work.parent / "secrets" / "openscale.env"
    elsewhere.parent.mkdir()
    elsewhere.write_text(render(CREDS, "dotenv"), encoding="utf-8")
    code = snippet_reading("read_external_sources")
    assert run_snippet(code, work, IBM_CREDENTIALS_FILE=str(elsewhere)) == EXPECTED


def test_the_readme_snippet_reads_the_variables_the_env_format_exports(work: Path) -> None:
    script = work.parent / "creds.sh"
    script.write_text(render(CREDS, "env"), encoding="utf-8")
    # The variables as a real sh exports them, then the snippet in that environment (no dotenv file).
    code = snippet_reading("read_external_sources")
    done = subprocess.run(
        ["sh", "-c", '. "$1" && exec "$2" -c "$3"', "sh", str(script), sys.executable, code],
        cwd=work,
        env=child_env(work),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert answer_of(done) == EXPECTED


def test_the_readme_json_snippet_gets_the_same_arguments(work: Path) -> None:
    (work / "creds.json").write_text(render(CREDS, "json"), encoding="utf-8")
    assert run_snippet(snippet_reading("json.load"), work) == EXPECTED


def test_the_dotenv_metadata_comment_does_not_reach_the_sdk_config(work: Path) -> None:
    path = work / "ibm-credentials.env"
    path.write_text(render(CREDS, "dotenv"), encoding="utf-8")
    assert path.read_text(encoding="utf-8").startswith("# openscale-creds: ")
    code = (
        "import json\nfrom ibm_cloud_sdk_core import read_external_sources\n"
        "print(json.dumps({s: read_external_sources(s) for s in ('ai_openscale', 'watsonx')}))"
    )
    assert run_snippet(code, work) == {
        "ai_openscale": {
            "APIKEY": CREDS.apikey,
            "URL": CREDS.url,
            "AUTH_TYPE": "iam",
            "INSTANCE_GUID": CREDS.instance_guid,
        },
        # read_external_sources reads only the file when it has the service: WATSONX_* are in the
        # file, but ibm-watsonx-gov reads os.environ, not this.
        "watsonx": {"APIKEY": CREDS.apikey, "REGION": "us-south"},
    }
