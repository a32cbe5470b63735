"""Checking a component option's value against the type its factory declares, before the factory runs.

A factory's annotations (``scale_factor: float = 1.1``) say what it takes; when an option has no
annotation, its default's type does. Options whose type is not a plain scalar (lists, objects) are not
checked here: the component checks them itself.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, Callable, Dict, Optional, Tuple

from .errors import ReactlensError

#: What a value of each scalar type is called in an error message.
TYPE_WORDS: Dict[type, str] = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def _scalar_types(annotation: Any) -> Optional[Tuple[type, ...]]:
    """The scalar types an annotation allows (``NoneType`` included for ``Optional``), or None if not scalar."""
    if annotation in TYPE_WORDS:
        return (annotation,)
    # __origin__ and __args__ rather than typing.get_origin/get_args: the DeepLens Lambda runs Python 3.7
    if getattr(annotation, "__origin__", None) is typing.Union:
        allowed: Tuple[type, ...] = ()
        for arg in annotation.__args__:
            if arg is type(None):
                allowed += (type(None),)
                continue
            inner = _scalar_types(arg)
            if inner is None:
                return None
            allowed += inner
        return allowed
    return None


def declared_types(factory: Callable[..., Any]) -> Dict[str, Tuple[type, ...]]:
    """Option name → the scalar types the factory accepts for it (options of other types are left out)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # unresolvable annotations: fall back to the defaults' types
        hints = {}
    out: Dict[str, Tuple[type, ...]] = {}
    for name, param in params.items():
        allowed = _scalar_types(hints[name]) if name in hints else None
        if allowed is None and name not in hints and type(param.default) in TYPE_WORDS:
            allowed = (type(param.default),)
        if allowed is not None:
            out[name] = allowed
    return out


def accepts(allowed: Tuple[type, ...], value: Any) -> bool:
    """Whether ``value`` fits: a bool is not a number, a whole number is a float, a number is text."""
    if value is None:
        return type(None) in allowed
    if isinstance(value, bool):
        return bool in allowed
    if isinstance(value, int):
        return bool({int, float, str} & set(allowed))
    if isinstance(value, float):
        return bool({float, str} & set(allowed))
    if isinstance(value, str):
        return str in allowed
    return False


def check_value(key: str, value: Any, allowed: Tuple[type, ...], example: Any) -> None:
    """Raise a one-line ``ReactlensError`` naming ``key`` and the expected type when ``value`` does not fit."""
    if accepts(allowed, value):
        return
    words = " or ".join(TYPE_WORDS[t] for t in allowed if t in TYPE_WORDS)
    shown = value if isinstance(value, str) else repr(value)
    hint = f"give {words}"
    if type(example) in TYPE_WORDS and example != "":
        hint += f", for example --set {key}={str(example).lower() if isinstance(example, bool) else example}"
    raise ReactlensError(f"option {key}={shown} is not {words}", hint)
