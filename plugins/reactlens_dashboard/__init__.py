"""Built-in dashboard plugin: the ``dashboard`` sink, a screening live in a browser (``reactlens run --dashboard``)."""

from reactlens.hookspecs import hookimpl

from .sink import DashboardSink


@hookimpl
def register_sinks(register):
    register("dashboard", DashboardSink, "The screening live in a browser: picture, reaction curve, fps, sinks' health")
