"""Big fake accounts for the parsing benchmark: a world with N instances and its two listings.

`world(n)` is the demo world with its first account holding `n` generated resource-controller objects,
each shaped like the demo world's own (every field of reference §4.5, so an instance in the JSON listing
weighs what a real one does, about 2.4 kB). `render(world)` prints `ibmcloud resource service-instances
--all-resource-groups` as the fake prints it, as the list table and with `--output json`, using the fake's
own table code; running the fake itself on 100,000 instances takes a minute, this takes seconds.
`via_fake()` runs the real fake, so a test can prove that both print the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAKE = ROOT / "tests" / "fake_ibmcloud" / "ibmcloud"
DEMO_WORLD = FAKE.parent / "demo-world.json"
FORMATS = ("text", "json")

# The fields `world` makes unique per instance; every other field is the template's own object.
_VARYING = (
    "id",
    "crn",
    "guid",
    "name",
    "region_id",
    "resource_group_id",
    "resource_group_crn",
    "state",
    "url",
    "resource_aliases_url",
    "resource_bindings_url",
    "resource_keys_url",
)
_STATES = ("active", "active", "active", "inactive", "provisioning")
# Names with single spaces, dots, brackets and non-ASCII (one East Asian wide), as real accounts have
# them: the table is cut at the header's column starts, and these must come through whole.
_NAME_STYLES = (
    "AI OpenScale-{i:06d}",
    "cos-bucket-store-{i}",
    "Cloudant NoSQL DB {i} (team {t})",
    "watson-ml.{i}",
    "OpenScale café ☁ 日本 {i}",
)


@cache
def _fake() -> ModuleType:
    """The fake ibmcloud script as a module (it has no .py suffix, hence the explicit loader)."""
    loader = SourceFileLoader("fake_ibmcloud", str(FAKE))
    module = ModuleType(loader.name)
    module.__file__ = str(FAKE)
    loader.exec_module(module)
    return module


def name(i: int) -> str:
    return _NAME_STYLES[i % len(_NAME_STYLES)].format(i=i, t=i % 7)


def _guid(i: int) -> str:
    return f"{i:08x}-be0c-4e1d-8f00-{(i * 7919) % 16**12:012x}"


def world(n: int) -> dict[str, Any]:
    """The demo world whose first account holds exactly `n` generated instances (and nothing else does)."""
    data: dict[str, Any] = json.loads(DEMO_WORLD.read_text(encoding="utf-8"))
    account = data["accounts"][0]["guid"]
    template = next(i for i in data["instances"] if i["account_id"] == account)
    groups = [g["id"] for g in data["resource_groups"] if g["account"] == account]
    regions = list(data["regions"])
    items = []
    for i in range(n):
        guid = _guid(i)
        region = regions[i % len(regions)]
        group = groups[i % len(groups)]
        service = "aiopenscale" if i % 5 == 0 else "cloud-object-storage"
        crn = f"crn:v1:bluemix:public:{service}:{region}:a/{account}:{guid}::"
        # A shallow copy: the nested objects are shared, which JSON output cannot tell.
        item = dict(template)
        item.update(
            id=crn,
            crn=crn,
            guid=guid,
            name=name(i),
            region_id=region,
            resource_group_id=group,
            resource_group_crn=f"crn:v1:bluemix:public:resource-controller::a/{account}::resource-group:{group}",
            state=_STATES[i % len(_STATES)],
            url=f"/v2/resource_instances/{guid}",
            resource_aliases_url=f"/v2/resource_instances/{guid}/resource_aliases",
            resource_bindings_url=f"/v2/resource_instances/{guid}/resource_bindings",
            resource_keys_url=f"/v2/resource_instances/{guid}/resource_keys",
        )
        items.append(item)
    data["instances"] = items
    return data


def render(data: dict[str, Any]) -> dict[str, str]:
    """The first account's `resource service-instances --all-resource-groups`, as the fake prints it."""
    fake = _fake()
    account = data["accounts"][0]
    found = [i for i in data["instances"] if i["account_id"] == account["guid"]]
    header = ["Name", "Location", "State", "Type", "Resource Group ID"]
    rows = [[i["name"], i["region_id"], i["state"], i["type"], i["resource_group_id"]] for i in found]
    banner = (
        "Retrieving instances with type service_instance in all resource groups in all locations under "
        f"account {account['name']} as {data['user']}...\nOK\n"
    )
    return {
        "text": banner + fake.list_table(header, rows) + "\n",
        # The fake drops keys that start with "_"; generated instances have none.
        "json": _json_array(found) + "\n",
    }


def _json_array(items: list[dict[str, Any]]) -> str:
    """`json.dumps(items, indent=2, ensure_ascii=False)` for items made by `world` (they differ only in
    the string fields `_VARYING`).

    With `indent` the json module encodes in pure Python (12 s for 100,000 instances); this encodes one
    instance with markers in place of those fields and fills them in.
    """
    if not items:
        return "[]"
    marked = {key: f"@@{key}@@" if key in _VARYING else value for key, value in items[0].items()}
    # "[\n  {...}\n]": the element with its indentation, cut at the markers into text and field names.
    pieces = re.split(r'"@@(\w+)@@"', json.dumps([marked], indent=2, ensure_ascii=False)[2:-2])
    texts, keys = pieces[0::2], pieces[1::2]
    quote = json.encoder.encode_basestring  # what ensure_ascii=False writes for a str
    rendered = []
    for item in items:
        parts = [texts[0]]
        for key, text in zip(keys, texts[1:], strict=True):
            parts.append(quote(item[key]))
            parts.append(text)
        rendered.append("".join(parts))
    return "[\n" + ",\n".join(rendered) + "\n]"


def via_fake(data: dict[str, Any], folder: Path, python: str = sys.executable) -> dict[str, bytes]:
    """The same two listings, printed by running the fake ibmcloud on the world (slow for big worlds)."""
    folder.mkdir(parents=True, exist_ok=True)
    world_file = folder / "world.json"
    world_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IBMCLOUD_", "FAKE_IBMCLOUD_"))}
    env.update(
        FAKE_IBMCLOUD_WORLD=str(world_file),
        IBMCLOUD_HOME=str(folder / "home"),
        FAKE_IBMCLOUD_STATE_DIR=str(folder / "state"),
        IBMCLOUD_COLOR="false",
        LANG="en_US.UTF-8",
    )
    fake = [python, str(FAKE)]
    # The demo key is bound to the first account, so this login needs no menu; it travels in the env.
    login_env = {**env, "IBMCLOUD_API_KEY": data["apikeys"][0]["apikey"]}
    subprocess.run([*fake, "login", "--no-region", "-q"], env=login_env, check=True, capture_output=True)
    listing = [*fake, "resource", "service-instances", "--all-resource-groups"]
    printed = {}
    for fmt, extra in (("text", []), ("json", ["--output", "json"])):
        printed[fmt] = subprocess.run([*listing, *extra], env=env, check=True, capture_output=True).stdout
    return printed


def write(n: int, folder: Path) -> dict[str, Path]:
    """Render the listings of a world of `n` instances into `folder`; {"text"|"json": path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt, text in render(world(n)).items():
        path = folder / f"instances-{n}.{'txt' if fmt == 'text' else 'json'}"
        path.write_text(text, encoding="utf-8")
        paths[fmt] = path
    return paths
