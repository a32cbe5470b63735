"""Built-in viewer tracker: a stable id per viewer across frames."""

from reactlens.hookspecs import hookimpl

from .tracker import ViewerTracker


@hookimpl
def register_trackers(register):
    register("viewers", ViewerTracker, "Stable viewer ids from box overlap and position; survives gaps of seconds")
