"""``reactlens plugins`` and ``reactlens profiles``: what is installed and what can run."""

from __future__ import annotations

import inspect
import json
from typing import List, Optional

import typer
from rich import box
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..option_types import TYPE_WORDS
from ..plugins import Plugin, get_host
from ..profiles import ProfileBook, load_config
from . import app
from .console import out_console


@app.command()
def plugins(
    json_out: bool = typer.Option(False, "--json", help="Print JSON: name, version, hooks, components, error."),
    options: bool = typer.Option(False, "--options", help="Also list each component's options and defaults."),
) -> None:
    """List installed plugins, their versions and the components they register."""
    host = get_host()
    host.components()  # collect registrations
    found = sorted(host.plugins.values(), key=lambda p: (not p.builtin, p.name))
    if json_out:
        out_console.print_json(json.dumps([p.to_dict() for p in found]))
        return
    if options:
        print_options(found)
        return
    table = Table(show_lines=False)
    for column in ("plugin", "version", "kind", "component", "description"):
        table.add_column(column)
    for plugin in found:
        name = plugin.name + (" (built-in)" if plugin.builtin else "")
        if plugin.error:
            table.add_row(name, plugin.version or "", "", "", f"[red]failed to load: {plugin.error}[/red]")
            continue
        if not plugin.components:
            table.add_row(name, plugin.version or "", "", "", "hooks: " + ", ".join(plugin.hooks))
        for component in plugin.components:
            table.add_row(name, plugin.version or "", component.kind, component.name, component.description)
            name = ""
    out_console.print(table)


def print_options(found: List[Plugin]) -> None:
    """Each component as a heading and its options as rows (option, default, what it takes): fits 80 columns."""
    for plugin in found:
        for component in plugin.components:
            origin = f"plugin {plugin.name} {plugin.version or ''}".strip()
            out_console.print(f"[bold]{component.kind} {component.name}[/bold] [dim]({origin})[/dim]")
            out_console.print(Padding(Text(component.description), (0, 0, 0, 2), expand=False))
            table = Table(box=box.SIMPLE, padding=(0, 1), pad_edge=False, show_edge=False)
            table.add_column("  option", no_wrap=True)
            table.add_column("default", overflow="fold")
            table.add_column("takes", no_wrap=True)
            types = component.option_types()
            for option, default in component.options().items():
                shown = "(required)" if default is inspect.Parameter.empty else repr(default)
                takes = " or ".join(TYPE_WORDS[t] for t in types.get(option, ()) if t in TYPE_WORDS)
                table.add_row(f"  {option}", shown, takes)
            if component.options():
                out_console.print(table)
            out_console.print()


@app.command()
def profiles(
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML file with \\[profiles.NAME] tables."),
    json_out: bool = typer.Option(False, "--json", help="Print the resolved profiles as JSON."),
) -> None:
    """List the profiles: built-in ones and those of --config."""
    book = load_config(config) if config else ProfileBook()
    resolved = [book.table(name) | {"name": name} for name in book.names()]
    if json_out:
        out_console.print_json(json.dumps(resolved))
        return
    table = Table()
    for column in ("profile", "source", "detector", "classifier", "tracker", "sinks", "description"):
        table.add_column(column)

    def use(value) -> str:
        if value is None:
            return "-"
        return value if isinstance(value, str) else str(value.get("use", "?"))

    for item in resolved:
        table.add_row(
            item["name"],
            use(item.get("source")),
            use(item.get("detector")),
            use(item.get("classifier")),
            use(item.get("tracker")),
            ", ".join(use(s) for s in item.get("sinks", [])),
            str(item.get("description", "")),
        )
    out_console.print(table)
