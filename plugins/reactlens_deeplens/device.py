"""The DeepLens device modules (``awscam``, ``mo``, ``greengrasssdk``), imported only when a component needs them."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from reactlens.errors import ReactlensError

NOT_A_DEEPLENS = (
    "on a laptop use --profile webcam (camera) or --profile video --source FILE; "
    "`reactlens deeplens package` builds the Lambda for a device"
)


def device_module(name: str) -> ModuleType:
    """Import a module that exists only on an AWS DeepLens, or say which profile to use instead."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ReactlensError(
            f"the Python module '{name}' is missing: this component runs on an AWS DeepLens device", NOT_A_DEEPLENS
        ) from None


def thing_topic() -> str:
    """The DeepLens inference topic, ``$aws/things/<thing name>/infer``."""
    thing = os.environ.get("AWS_IOT_THING_NAME")
    if not thing:
        raise ReactlensError(
            "AWS_IOT_THING_NAME is not set", "run inside the DeepLens Greengrass Lambda, or set a topic"
        )
    return f"$aws/things/{thing}/infer"
