"""The ``reactlens`` command line."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from typing import List

import typer

from .. import __version__
from ..errors import ReactlensError
from .console import configure_logging, err_console

app = typer.Typer(
    name="reactlens",
    help="Measure when an audience laughs: find every face in every frame, score its smile, "
    "and turn the scores into a reaction curve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reactlens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Measure when an audience laughs."""


#: Each built-in command's module: a built-in command imports its own alone (`reactlens report` goes without OpenCV and
#: the screening, 28 MB).
COMMANDS = {
    "batch": "batch",
    "demo": "demo",
    "run": "run",
    "evaluate": "evaluate",
    "evaluate-detector": "evaluate",
    "plugins": "info",
    "profiles": "info",
    "report": "report",
}


def _register_commands(args: List[str]) -> None:
    """Add the command ``args`` name to ``app``; any other (help, a plugin's command, a typo): every built-in command
    and the plugins' (loading the plugins imports ONNX Runtime, SciPy and a web server, ~46 MB and a second)."""
    if args[:1] and args[0] in COMMANDS:
        importlib.import_module(f"{__name__}.{COMMANDS[args[0]]}")  # the module adds its commands to ``app``
        return
    for module in sorted(set(COMMANDS.values())):
        importlib.import_module(f"{__name__}.{module}")
    from ..plugins import get_host

    get_host().manager.hook.register_commands(cli=app)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: run the CLI, turning user-fixable problems into one line on stderr and exit code 2."""
    configure_logging()
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C (SIGINT) ends a run cleanly even when the shell started us with it ignored (a background job
    # in a script): Python keeps an inherited "ignore", so `kill -INT` would otherwise do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        args = sys.argv[1:]
        _register_commands(args)
        if args[:1] == ["report"]:
            from .report import spread_versus

            args = spread_versus(args)
        code = app(args=args, prog_name="reactlens", standalone_mode=False)
    except ReactlensError as exc:
        if os.environ.get("REACTLENS_DEBUG"):
            raise
        _fail(str(exc), 2)
    except typer.TyperException as exc:  # a command-line mistake (unknown option, bad value, ...)
        ctx = getattr(exc, "ctx", None)
        if not exc.format_message():  # a command group run bare: typer has printed its help
            sys.exit(exc.exit_code)
        hint = f"; see `{ctx.command_path} --help`" if ctx is not None else ""
        _fail(exc.format_message().rstrip(".") + hint, exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        sys.exit(130)
    finally:
        logging.shutdown()
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    err_console.print(f"reactlens: error: {message}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)
