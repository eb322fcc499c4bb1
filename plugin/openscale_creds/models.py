"""Frozen value types that parsers produce and the rest of the tool consumes.

They behave as frozen dataclasses do (keyword or positional construction, field-order `repr`, equality
and hash by fields, no assignment after construction) but are written out by hand: `@dataclass` builds
each class at import by generating and compiling its methods, about 3.4 ms for these five on every
start, and `instance NAME --field guid` in a shell loop pays each start (`make bench`, target 1). A
model's `__dict__` holds exactly its fields in field order (`__match_args__`), which `as_dict` and the
bulk constructor of the parsers rely on; tests/test_perf_guards.py holds every model to that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

M = TypeVar("M", bound="Model")


class Model:
    """The shared behaviour: fields in `__match_args__` order, kept in `__dict__`; frozen."""

    __match_args__: ClassVar[tuple[str, ...]] = ()
    # The fields that hold another model (as_dict turns them into dicts too).
    _nested: ClassVar[tuple[str, ...]] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(tuple(vars(self).values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"

    def replace(self: M, **changes: Any) -> M:
        """A copy with `changes` (what `dataclasses.replace` gives)."""
        return type(self)(**{**vars(self), **changes})


def as_dict(obj: Model, shown: Mapping[type, Sequence[str]] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a model (nested models become dicts), fields in field order.

    `shown` narrows what a model type shows: its fields named there, in that order (how `parse` keeps its
    documented shapes). Models hold only scalars and other models, so nothing is copied deeper than that.
    """
    names = shown.get(obj.__class__) if shown else None
    values = dict(vars(obj)) if names is None else {name: getattr(obj, name) for name in names}
    for name in obj._nested:
        value = values.get(name)
        if isinstance(value, Model):
            values[name] = as_dict(value, shown)
    return values


def as_dicts(models: Sequence[Model]) -> list[dict[str, Any]]:
    """`[as_dict(m) for m in models]`, taken in a few calls into C when none holds another model (a
    100,000-instance `parse instances` spends a second less)."""
    classes: set[type[Model]] = set(map(type, models))
    if not any(cls._nested for cls in classes):
        return list(map(dict, map(vars, models)))
    return [as_dict(model) for model in models]


class Account(Model):
    __match_args__ = ("name", "guid", "ims")
    name: str
    guid: str
    ims: str | None  # the classic-infrastructure number after ` <-> `, when shown

    def __init__(self, name: str, guid: str, ims: str | None = None) -> None:
        vars(self).update(name=name, guid=guid, ims=ims)


class AccountChoice(Model):
    """One entry of the `Select an account:` menu."""

    __match_args__ = ("number", "account")
    _nested = ("account",)
    number: int
    account: Account

    def __init__(self, number: int, account: Account) -> None:
        vars(self).update(number=number, account=account)


class Target(Model):
    """What `ibmcloud target` (and the end of `ibmcloud login`) reports."""

    __match_args__ = (
        "logged_in",
        "api_endpoint",
        "region",
        "user",
        "account",
        "resource_group",
        "resource_group_id",
    )
    _nested = ("account",)
    logged_in: bool
    api_endpoint: str | None
    region: str | None
    user: str | None
    account: Account | None
    resource_group: str | None
    resource_group_id: str | None

    def __init__(
        self,
        logged_in: bool,
        api_endpoint: str | None = None,
        region: str | None = None,
        user: str | None = None,
        account: Account | None = None,
        resource_group: str | None = None,
        resource_group_id: str | None = None,
    ) -> None:
        vars(self).update(
            logged_in=logged_in,
            api_endpoint=api_endpoint,
            region=region,
            user=user,
            account=account,
            resource_group=resource_group,
            resource_group_id=resource_group_id,
        )


class ApiKey(Model):
    __match_args__ = ("name", "id", "apikey", "description", "created_at", "locked")
    name: str
    id: str | None
    apikey: str | None
    description: str | None
    created_at: str | None
    locked: bool | None

    def __init__(
        self,
        name: str,
        id: str | None,
        apikey: str | None,
        description: str | None = None,
        created_at: str | None = None,
        locked: bool | None = None,
    ) -> None:
        vars(self).update(
            name=name, id=id, apikey=apikey, description=description, created_at=created_at, locked=locked
        )

    def __repr__(self) -> str:  # a key must never reach a log or traceback through repr()
        shown = "None" if self.apikey is None else "'***'"
        return f"ApiKey(name={self.name!r}, id={self.id!r}, apikey={shown})"


class ServiceInstance(Model):
    __match_args__ = (
        "name",
        "guid",
        "crn",
        "location",
        "service_name",
        "plan",
        "plan_id",
        "resource_group",
        "resource_group_id",
        "state",
        "type",
        "created_at",
        "updated_at",
        "url",
    )
    name: str
    guid: str
    crn: str | None
    location: str | None
    service_name: str | None
    plan: str | None
    plan_id: str | None
    resource_group: str | None
    resource_group_id: str | None
    state: str | None
    type: str | None
    created_at: str | None
    updated_at: str | None
    url: str | None  # the OpenScale service URL for `location`

    def __init__(
        self,
        name: str,
        guid: str,
        crn: str | None = None,
        location: str | None = None,
        service_name: str | None = None,
        plan: str | None = None,
        plan_id: str | None = None,
        resource_group: str | None = None,
        resource_group_id: str | None = None,
        state: str | None = None,
        type: str | None = None,
        created_at: str | None = None,
        updated_at: str | None = None,
        url: str | None = None,
    ) -> None:
        vars(self).update(
            name=name,
            guid=guid,
            crn=crn,
            location=location,
            service_name=service_name,
            plan=plan,
            plan_id=plan_id,
            resource_group=resource_group,
            resource_group_id=resource_group_id,
            state=state,
            type=type,
            created_at=created_at,
            updated_at=updated_at,
            url=url,
        )


INSTANCE_FIELDS: tuple[str, ...] = ServiceInstance.__match_args__


def instance_from_fields(fields: dict[str, str | None]) -> ServiceInstance:
    """`ServiceInstance(**fields)`, for a dict that holds every field in `INSTANCE_FIELDS` order, at a
    third of the cost: what makes a 100,000-instance `parse instances` fit its time budget (bench/bench.py).

    A model is exactly its `__dict__`, so filling that is the same object; test_perf_guards compares
    both ways.
    """
    instance = object.__new__(ServiceInstance)
    vars(instance).update(fields)
    return instance


def instance_from_dict(fields: dict[str, str | None]) -> ServiceInstance:
    """`instance_from_fields` taking `fields` itself as the model's `__dict__` (no copy): for a dict made
    for it alone, which nothing else may change afterwards."""
    instance = object.__new__(ServiceInstance)
    object.__setattr__(instance, "__dict__", fields)
    return instance
