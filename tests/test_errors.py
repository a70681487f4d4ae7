"""Two errors modules, one per house: every failure is a class of sparkify.errors (the toolkit) or of
sparkify.engine.errors (the engine, named again in sparkify.errors), with its exit code."""

from __future__ import annotations

import importlib
import pkgutil

import sparkify
from sparkify import errors
from sparkify.engine import errors as engine_errors


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_every_failure_is_defined_in_the_errors_module_with_a_known_exit_code() -> None:
    for module in pkgutil.walk_packages(sparkify.__path__, "sparkify."):
        importlib.import_module(module.name)
    failures = _all_subclasses(errors.SparkifyError)
    outside = sorted(
        f"{cls.__module__}.{cls.__name__}"
        for cls in failures
        if cls.__module__ not in (errors.__name__, engine_errors.__name__)
    )
    assert outside == [], "define every failure in sparkify/errors.py or sparkify/engine/errors.py"
    engine_failures = [cls for cls in failures if cls.__module__ == engine_errors.__name__]
    unnamed = [cls.__name__ for cls in engine_failures if getattr(errors, cls.__name__, None) is not cls]
    assert unnamed == [], "name the engine's failures in sparkify.errors too"
    codes = {errors.EXIT_FAILED, errors.EXIT_USAGE, errors.EXIT_INTERRUPTED}
    assert {cls.exit_code for cls in failures} <= codes
