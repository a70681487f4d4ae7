"""Requests checked against the service model botocore ships (``redshift-data``'s ``service-2.json``): the
members an operation requires, each member's type, length, range, pattern and enum, with the service's
own wording (``1 validation error detected: Value '…' at 'sql' failed to satisfy constraint: …``)."""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from sparkify.engine.data_api.faults import UnknownOperationException, ValidationException

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "timestamp": (int, float, str),
    "blob": (str,),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
}


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("redshift-data")


def operation(name: str) -> OperationModel:
    """The operation an ``X-Amz-Target`` names, or the service's UnknownOperationException."""
    model = service_model()
    if name not in model.operation_names:
        raise UnknownOperationException(f"Operation {name} is not supported.")
    return model.operation_model(name)


def check_input(model: OperationModel, request: Any) -> None:
    """Raise ValidationException listing every constraint ``request`` breaks, as the service words them."""
    if not isinstance(request, dict):
        raise ValidationException("Start of structure or map found where not expected.")
    problems: list[str] = []
    _check(model.input_shape, request, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(problems))


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    if not isinstance(value, expected) or (shape.type_name != "boolean" and isinstance(value, bool)):
        problems.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: Member must be a {shape.type_name}"
        )
        return
    if shape.type_name == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                where = _join(path, name)
                problems.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
        for name, member in value.items():
            if name in shape.members and member is not None:
                _check(shape.members[name], member, _join(path, name), problems)
        return
    if shape.type_name == "list":
        _check_size(shape, len(value), "length", value, path, problems)
        for index, item in enumerate(value, 1):
            _check(shape.member, item, f"{path}.{index}.member", problems)
        return
    if shape.type_name == "string":
        _check_size(shape, len(value), "length", value, path, problems)
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(_broken(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
        pattern = shape.metadata.get("pattern")
        if pattern and re.fullmatch(pattern, value) is None:
            problems.append(
                _broken(value, path, f"Member must satisfy regular expression pattern: {pattern}")
            )
    elif shape.type_name in ("integer", "long"):
        _check_size(shape, value, "value", value, path, problems)


def _check_size(shape: Shape, size: int, what: str, value: Any, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        problems.append(_broken(value, path, f"Member must have {what} greater than or equal to {low}"))
    if high is not None and size > high:
        problems.append(_broken(value, path, f"Member must have {what} less than or equal to {high}"))


def _broken(value: Any, path: str, constraint: str) -> str:
    return f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


def _join(path: str, name: str) -> str:
    """The service names members in lower camel case: ``clusterIdentifier``, ``sqls.1.member``."""
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member
