"""Every recorded output in fixtures/ parses to the result written beside it (the jc model):
`<kind>--<case>.out` is what ibmcloud printed, `<kind>--<case>.json` what `parse <kind>` must print."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openscale_creds.parsers import KINDS, parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OUTPUTS = sorted(FIXTURES.glob("*.out"))
REFERENCE = FIXTURES.parent.parent / "shared" / "reference" / "ibmcloud-cli.md"


def kind_of(path: Path) -> str:
    return path.name.split("--", 1)[0]


def test_there_are_recorded_outputs_for_every_kind_the_recordings_cover() -> None:
    assert OUTPUTS, f"no fixtures found in {FIXTURES}"
    assert {kind_of(path) for path in OUTPUTS} >= {"login", "target", "api-key", "instance", "instances"}


def test_every_recorded_output_has_an_expected_result_and_a_known_kind() -> None:
    for path in OUTPUTS:
        assert path.with_suffix(".json").exists(), f"{path.name} has no .json beside it"
        assert kind_of(path) in KINDS, f"{path.name}: unknown kind {kind_of(path)!r}"
    for expected in FIXTURES.glob("*.json"):
        assert expected.with_suffix(".out").exists(), f"{expected.name} has no .out beside it"


@pytest.mark.parametrize("path", OUTPUTS, ids=[path.stem for path in OUTPUTS])
def test_recorded_output_parses_to_the_expected_result(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert parse(kind_of(path), text) == expected


@pytest.mark.skipif(not REFERENCE.exists(), reason="the behaviour reference is not beside this checkout")
def test_recorded_outputs_are_still_exactly_what_the_reference_quotes() -> None:
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "extract.py"), "--check", "--reference", str(REFERENCE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
