"""Fast construction of model objects from values the builders already checked.

A buf image of a few hundred files holds hundreds of thousands of elements; pydantic's
validation (or even ``model_construct``, which resolves defaults field by field) would
dominate the build time. Builders pass every field explicitly, so the object can be
assembled the way ``model_construct`` does in the end: set ``__dict__`` and pydantic's
bookkeeping attributes. ``tests/protomodel`` checks that every built object has exactly
its model's fields and survives a validating round trip.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from protomodel.model import Comments, Location

ModelT = TypeVar("ModelT", bound=BaseModel)

# A model's state lives in the four slots of BaseModel (`__dict__` holds the field values);
# their descriptors set them as `object.__setattr__` does, without looking them up by name
# on every call. No model defines `__new__` (BaseModel does not): `object.__new__` is what
# `model_class.__new__` finds, without the lookup through pydantic's metaclass.
_new_instance = object.__new__
_set_values, _set_fields_set, _set_extra, _set_private = (
    vars(BaseModel)[slot].__set__
    for slot in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )
)


def construct(model_class: type[ModelT], /, **values: Any) -> ModelT:
    """An instance of ``model_class`` holding ``values`` (all fields, already valid)."""
    return construct_from(model_class, values)


def construct_from(model_class: type[ModelT], values: dict[str, Any], /) -> ModelT:
    """`construct` from a dict the caller made for the instance (it becomes its
    ``__dict__``, not copied): every field, in the model's order. A dict display with
    the field names written out is built faster than keyword arguments are collected,
    which counts for the hundreds of thousands of results of a large schema."""
    instance = _new_instance(model_class)
    _set_values(instance, values)
    # Every field is set, so all instances of a class can share one fields-set: pydantic
    # only ever adds names to it, and they are all there already.
    _set_fields_set(instance, _all_fields(model_class))
    _set_extra(instance, None)
    _set_private(instance, None)
    return instance


@cache
def _all_fields(model_class: type[BaseModel]) -> set[str]:
    return set(model_class.model_fields)


def location(file: str, line: int, column: int, end_line: int, end_column: int) -> Location:
    return construct(
        Location, file=file, line=line, column=column, end_line=end_line, end_column=end_column
    )


def place_option(places: dict[str, Location], names: Sequence[str], place: Location) -> None:
    """Record where an option is set, by its first name component and by its whole dotted
    name (`features` and `features.utf8_validation`); the first setting wins. Both builders
    key `option_locations` this way, so rules find an option's line in either model."""
    places.setdefault(names[0], place)
    places.setdefault(".".join(names), place)


def no_comments() -> Comments:
    return construct(Comments, leading="", trailing="", detached=[])


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a builder runs.

    Builders allocate hundreds of thousands of acyclic objects; every full collection
    triggered on the way traverses all of them again (measured: more than half of the time
    of a 500-file image). Cyclic garbage made meanwhile is collected once we are done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
