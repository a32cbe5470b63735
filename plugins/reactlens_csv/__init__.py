"""Built-in CSV sink: one row per face per frame."""

from reactlens.hookspecs import hookimpl

from .sink import CsvSink


@hookimpl
def register_sinks(register):
    register("csv", CsvSink, "One CSV row per face per frame (appends to an existing file with the same columns)")
