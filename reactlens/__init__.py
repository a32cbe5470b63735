"""reactlens: measure when an audience laughs.

The public API for plugin authors: the component base classes, ``Frame``, ``Record``, ``Session``,
the ``hookimpl`` marker and ``ReactlensError``. Importing it turns off the inference runtimes' usage telemetry
(``no_telemetry``).
"""

from . import no_telemetry  # noqa: F401  (first: before any plugin imports a runtime)
from .components import (
    AudioDetector,
    Box,
    Detection,
    ExpressionClassifier,
    FaceDetector,
    Frame,
    FrameSource,
    ResultSink,
    Tracker,
)
from .errors import ReactlensError, StopScreening
from .hookspecs import hookimpl
from .records import Record, RoomRecord, Session

__version__ = "0.1.0"

__all__ = [
    "AudioDetector",
    "Box",
    "Detection",
    "ExpressionClassifier",
    "FaceDetector",
    "Frame",
    "FrameSource",
    "ReactlensError",
    "Record",
    "ResultSink",
    "RoomRecord",
    "Session",
    "StopScreening",
    "Tracker",
    "__version__",
    "hookimpl",
]
