"""Built-in AWS IoT plugin: the ``iot`` sink (MQTT or boto3 ``iot-data``), ``reactlens collect`` and
``reactlens iot rule`` (records routed into S3).

paho-mqtt and boto3 load only when a connection is made (``pip install "reactlens[iot]"``).
"""

from reactlens.hookspecs import hookimpl

from .sink import IotSink


@hookimpl
def register_sinks(register):
    register("iot", IotSink, "Records as JSON to AWS IoT Core or any MQTT broker, spooled so none are lost")


@hookimpl
def register_commands(cli):
    from .cli import collect, iot_app

    cli.command("collect")(collect)
    cli.add_typer(iot_app, name="iot")
