"""The hooks a reactlens plugin implements.

Each ``register_*`` hook receives a ``register`` callback. Call it once per component you offer::

    register("haar", HaarDetector, "OpenCV Haar cascade face detector")

``register(name, factory, description="")``: ``name`` is what profiles use to pick the component,
``factory`` is called with the profile's options as keyword arguments and returns the component.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("reactlens")
hookimpl = pluggy.HookimplMarker("reactlens")


@hookspec
def register_sources(register):
    """Register frame sources (``reactlens.FrameSource``): cameras, files, streams, devices."""


@hookspec
def register_detectors(register):
    """Register face detectors (``reactlens.FaceDetector``): a frame in, face boxes out."""


@hookspec
def register_classifiers(register):
    """Register expression classifiers (``reactlens.ExpressionClassifier``): face boxes in, label probabilities out."""


@hookspec
def register_trackers(register):
    """Register viewer trackers (``reactlens.Tracker``): face boxes in, one stable viewer id per box out."""


@hookspec
def register_audio_detectors(register):
    """Register room-sound event detectors (``reactlens.AudioDetector``): windows of audio in, a score each."""


@hookspec
def register_sinks(register):
    """Register result sinks (``reactlens.ResultSink``): every frame's records in, stored or sent somewhere."""


@hookspec
def register_commands(cli):
    """Add subcommands to the ``reactlens`` command line; ``cli`` is the root ``typer.Typer`` app."""
