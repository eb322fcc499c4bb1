"""Frozen value types that parsers produce and the rest of the tool consumes."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def as_dict(obj: Any, shown: Mapping[type, Sequence[str]] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a model (nested models become dicts), fields in field order.

    `shown` narrows what a model type shows: its fields named there, in that order (how `parse` keeps its
    documented shapes). Models hold only scalars and other models, so nothing is copied deeper than that:
    the deep copy of `dataclasses.asdict` costs 30 µs a model, three seconds of a 100,000-instance
    `parse instances`.
    """
    cls = obj.__class__
    names = shown.get(cls) if shown else None
    if names is None:
        names = obj.__dataclass_fields__
        if _is_flat(cls):
            values = dict(vars(obj))
            if len(values) == len(names):  # a flat model whose fields are exactly its __dict__
                return values
    values = {name: getattr(obj, name) for name in names}
    for name, value in values.items():
        if hasattr(value, "__dataclass_fields__"):
            values[name] = as_dict(value, shown)
    return values


def as_dicts(models: Sequence[Any]) -> list[dict[str, Any]]:
    """`[as_dict(m) for m in models]`, taken in a few calls into C when all are of one flat model (a
    100,000-instance `parse instances` spends a second less)."""
    classes = set(map(type, models))
    if len(classes) == 1:
        (cls,) = classes
        if _is_flat(cls):
            values = list(map(dict, map(vars, models)))
            if set(map(len, values)) == {len(dataclasses.fields(cls))}:
                return values
    return [as_dict(model) for model in models]


_SCALARS = frozenset({"str", "int", "float", "bool", "None"})


@functools.cache
def _is_flat(cls: type) -> bool:
    """Whether an instance's `__dict__` is its `as_dict`: a model without slots whose fields are all
    scalars (by their annotations) and all set by `__init__`, in field order.

    Copying that dict is a tenth of the cost of reading the fields one by one.
    """
    return not hasattr(cls, "__slots__") and all(
        field.init and isinstance(field.type, str) and {t.strip() for t in field.type.split("|")} <= _SCALARS
        for field in dataclasses.fields(cls)
    )


@dataclass(frozen=True)
class Account:
    name: str
    guid: str
    ims: str | None = None  # the classic-infrastructure number after ` <-> `, when shown


@dataclass(frozen=True)
class AccountChoice:
    """One entry of the `Select an account:` menu."""

    number: int
    account: Account


@dataclass(frozen=True)
class Target:
    """What `ibmcloud target` (and the end of `ibmcloud login`) reports."""

    logged_in: bool
    api_endpoint: str | None = None
    region: str | None = None
    user: str | None = None
    account: Account | None = None
    resource_group: str | None = None
    resource_group_id: str | None = None


@dataclass(frozen=True)
class ApiKey:
    name: str
    id: str | None
    apikey: str | None
    description: str | None = None
    created_at: str | None = None
    locked: bool | None = None

    def __repr__(self) -> str:  # a key must never reach a log or traceback through repr()
        shown = "None" if self.apikey is None else "'***'"
        return f"ApiKey(name={self.name!r}, id={self.id!r}, apikey={shown})"


@dataclass(frozen=True)
class ServiceInstance:
    name: str
    guid: str
    crn: str | None = None
    location: str | None = None
    service_name: str | None = None
    plan: str | None = None
    plan_id: str | None = None
    resource_group: str | None = None
    resource_group_id: str | None = None
    state: str | None = None
    type: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    url: str | None = None  # the OpenScale service URL for `location`


INSTANCE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ServiceInstance))


def instance_from_fields(fields: dict[str, str | None]) -> ServiceInstance:
    """`ServiceInstance(**fields)`, for a dict that holds every field in `INSTANCE_FIELDS` order, at a
    third of the cost: what makes a 100,000-instance `parse instances` fit its time budget (bench/bench.py).

    The generated `__init__` of a frozen dataclass sets each field through `object.__setattr__`. A model
    with no `__post_init__`, no slots and no default factory is exactly its `__dict__`, so filling that is
    the same object; test_perf_guards holds the model to those conditions and compares both ways.
    """
    instance = object.__new__(ServiceInstance)
    instance.__dict__.update(fields)
    return instance
