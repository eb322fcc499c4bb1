"""List tables are cut by display width, as IBM's SDK pads them (fixtures/widths.py states the rule).

The generated fixtures themselves are checked by test_parsers_fixtures; here: they are what the generator
makes, the `parse` command reads them whole, any table the rule prints is read back under every width rule,
and an ASCII listing never loads the Unicode database.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from openscale_creds.parsers import parse, parse_instance_list_table

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _widths() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fixture_widths", FIXTURES / "widths.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


widths = _widths()


def test_the_generated_width_fixtures_are_what_the_generator_prints() -> None:
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "widths.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_parse_instances_keeps_a_name_with_three_wide_characters_apart_from_its_location() -> None:
    text = (FIXTURES / "instances--generated-cjk-first-column.out").read_text(encoding="utf-8")

    done = run_cli(["parse", "instances"], input=text)

    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["name"], r["location"]) for r in rows[:3]] == [
        ("日本語", "jp-tok"),
        ("東京 OpenScale 本番", "jp-tok"),
        ("한국어 인스턴스", "jp-osa"),
    ]
    assert rows[4]["name"] == "Team   数据库 DB"  # three spaces inside a cell, as printed


def test_a_middle_column_of_wide_characters_leaves_the_columns_after_it_whole() -> None:
    text = (FIXTURES / "instances--generated-cjk-middle-column.out").read_text(encoding="utf-8")

    second = parse_instance_list_table(text)[1]

    assert (second.resource_group, second.location, second.state) == ("測試 数据库 日本語", "eu-gb", "active")


_CELL_CHARS = sorted(set("ab -.") | set(widths.EMOJI) | set(widths.WIDE) | set(widths.AMBIGUOUS))
# A cell of "-" alone is how the CLI shows "none", so no name is one.
_cell = (
    st.text(st.sampled_from(_CELL_CHARS), min_size=1, max_size=8)
    .map(str.strip)
    .filter(lambda c: c not in ("", "-"))
)


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(
    names=st.lists(_cell, min_size=1, max_size=5),
    groups=st.lists(_cell, min_size=5, max_size=5),
    emoji=st.sampled_from([1, 2]),
    ambiguous=st.sampled_from([1, 2]),
    old_sdk=st.booleans(),
    colour=st.booleans(),
)
def test_any_table_the_sdk_prints_is_read_back_cell_for_cell_under_every_width_rule(
    names: list[str], groups: list[str], emoji: int, ambiguous: int, old_sdk: bool, colour: bool
) -> None:
    header = ["Name", "Resource Group", "Location", "State", "Type"]
    rows = [[name, groups[i], "us-south", "active", "service_instance"] for i, name in enumerate(names)]
    rules = widths.Rules(emoji=emoji, ambiguous=ambiguous)
    text = widths.render(header, rows, rules, old_sdk=old_sdk, colour=colour)

    assert parse("instances", text) == widths.expected(header, rows)


def test_an_ascii_listing_is_cut_without_loading_the_unicode_database() -> None:
    probe = (
        "import sys\n"
        "from openscale_creds.parsers import parse\n"
        f"text = open({str(FIXTURES / 'instances--vpc-doc-group-id.out')!r}, encoding='utf-8').read()\n"
        "assert parse('instances', text)\n"
        "print('unicodedata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
