"""Built-in AWS DeepLens plugin: the camera, smile-net on the device GPU, Greengrass IoT and the project stream.

The device modules (``awscam``, ``mo``, ``greengrasssdk``) load only when a component is built, so this
plugin loads everywhere and ``--profile deeplens`` on a laptop fails with a message saying what to use.
``reactlens deeplens package`` / ``upload`` build and upload the Lambda.
"""

from reactlens.hookspecs import hookimpl

from .classifier import DeepLensSmileNet
from .greengrass import GreengrassSink
from .source import AwscamSource
from .stream import ProjectStreamSink


@hookimpl
def register_sources(register):
    register("awscam", AwscamSource, "The DeepLens camera (awscam.getLastFrame)")


@hookimpl
def register_classifiers(register):
    register("deeplens-smile-net", DeepLensSmileNet, "smile-net on the DeepLens GPU (mo.optimize + awscam.Model)")


@hookimpl
def register_sinks(register):
    register("greengrass", GreengrassSink, "Records to AWS IoT through the DeepLens Greengrass core")
    register("project-stream", ProjectStreamSink, "Annotated frames into the DeepLens project stream FIFO")


@hookimpl
def register_commands(cli):
    from .cli import deeplens_app

    cli.add_typer(deeplens_app, name="deeplens")
