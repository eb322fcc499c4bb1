"""Helpers for end-to-end tests: the demo world's facts and the fake ibmcloud's invocation log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import FAKE_DIR

WORLD: dict[str, Any] = json.loads((FAKE_DIR / "demo-world.json").read_text(encoding="utf-8"))
DEMO_KEY: str = WORLD["apikeys"][0]["apikey"]
DEMO_ACCOUNT: dict[str, str] = WORLD["accounts"][0]
OTHER_ACCOUNT: dict[str, str] = WORLD["accounts"][1]
PASSCODES: list[str] = WORLD["passcodes"]
INSTANCE = "AI OpenScale-my_instance"
INSTANCE_GUID = next(i["guid"] for i in WORLD["instances"] if i["name"] == INSTANCE)
DUPLICATE = "openscale-dup"
UNICODE_INSTANCE = next(i["name"] for i in WORLD["instances"] if "日本" in i["name"])


@dataclass
class World:
    """Per-test fake state: where the fake keeps shared keys and logs each invocation."""

    tmp: Path

    @property
    def log(self) -> Path:
        return self.tmp / "fake-log.jsonl"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "FAKE_IBMCLOUD_STATE_DIR": str(self.tmp / "fake-state"),
            "FAKE_IBMCLOUD_LOG": str(self.log),
        }
        env.update(extra)
        return env

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def argvs(self) -> list[list[str]]:
        return [c["argv"] for c in self.calls()]
