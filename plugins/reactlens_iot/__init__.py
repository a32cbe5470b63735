"""Built-in AWS IoT plugin: the ``iot`` sink (MQTT or boto3 ``iot-data``) and ``reactlens collect``.

paho-mqtt and boto3 load only when a connection is made (``pip install "reactlens[iot]"``).
"""

from reactlens.hookspecs import hookimpl

from .sink import IotSink


@hookimpl
def register_sinks(register):
    register("iot", IotSink, "Records as JSON to AWS IoT Core or any MQTT broker, spooled so none are lost")


@hookimpl
def register_commands(cli):
    from .cli import collect

    cli.command("collect")(collect)
