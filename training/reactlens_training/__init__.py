"""The smile-net training pipeline (MXNet Gluon), as ``reactlens train ...`` commands.

Importing this package is cheap: MXNet loads only when a training command runs, so the desktop
runtime never imports it.
"""

from reactlens.hookspecs import hookimpl


@hookimpl
def register_commands(cli):
    from .cli import train_app

    cli.add_typer(train_app, name="train")
