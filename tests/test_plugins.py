"""Plugin loading: entry points, failures that only matter when needed, the allow-list, listings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reactlens.errors import ReactlensError
from reactlens.plugins import PluginHost

from .conftest import assert_one_line_error, run_cli

BUILTINS = {"opencv", "onnx", "csv"}


def fake_distribution(root: Path, name: str, module_source: str) -> Path:
    """An installed third-party plugin: a module plus a dist-info with a ``reactlens`` entry point."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name.replace('-', '_')}_mod.py").write_text(module_source)
    info = root / f"{name.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[reactlens]\n{name} = {name.replace('-', '_')}_mod\n")
    return root


GOOD_PLUGIN = """
from reactlens import hookimpl, ResultSink

class Null(ResultSink):
    def __init__(self, note: str = ""):
        self.note = note
    def write(self, frame, records):
        pass

@hookimpl
def register_sinks(register):
    register("null", Null, "discards records")
"""


@pytest.fixture
def plugin_path(tmp_path) -> Path:
    root = tmp_path / "site"
    fake_distribution(root, "reactlens-good", GOOD_PLUGIN)
    fake_distribution(root, "reactlens-broken", "import does_not_exist_anywhere\n")
    return root


def test_builtins_register_through_the_entry_point_group():
    host = PluginHost()
    host.load_entry_points()
    assert {name for name, p in host.plugins.items() if p.builtin} >= BUILTINS
    kinds = {(c.kind, c.name) for c in host.components()}
    assert {
        ("source", "opencv"),
        ("detector", "haar"),
        ("classifier", "onnx"),
        ("sink", "csv"),
        ("sink", "annotate"),
    } <= kinds


def test_plugins_json_lists_versions_hooks_and_components(plugin_path):
    result = run_cli("plugins", "--json", env={"PYTHONPATH": str(plugin_path)})
    assert result.returncode == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["reactlens-good"]["version"] == "1.2.3"
    assert listed["reactlens-good"]["hooks"] == ["register_sinks"]
    assert listed["reactlens-good"]["components"] == [
        {"kind": "sink", "name": "null", "description": "discards records"}
    ]
    assert listed["reactlens-broken"]["error"].startswith("ModuleNotFoundError")
    assert listed["opencv"]["builtin"] and {c["name"] for c in listed["opencv"]["components"]} == {
        "opencv",
        "stills",
        "haar",
        "annotate",
    }
    # the broken plugin is named in a warning
    assert "plugin 'reactlens-broken' failed to load" in result.stderr


def test_a_broken_plugin_fails_the_run_only_when_the_profile_needs_it(plugin_path, clip, tiny_model, tmp_path):
    env = {"PYTHONPATH": str(plugin_path)}
    ok = run_cli(
        "run",
        "--source",
        str(clip),
        "--model",
        str(tiny_model),
        "--csv",
        str(tmp_path / "a.csv"),
        "--set",
        "sinks.null.note='x'",
        "-q",
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert "plugin 'reactlens-broken' failed to load" in ok.stderr
    needed = run_cli("run", "--source", str(clip), "--model", str(tiny_model), "--set", "detector=fancy", "-q", env=env)
    assert needed.returncode == 2
    assert "unknown detector 'fancy'" in needed.stderr and "reactlens-broken (ModuleNotFoundError" in needed.stderr


def test_a_built_in_command_loads_no_plugin(plugin_path, tmp_path):
    # `reactlens report` needs none: loading them imports ONNX Runtime, SciPy and a web server (~46 MB, a second)
    env = {"PYTHONPATH": str(plugin_path)}
    result = run_cli("report", str(tmp_path / "none.csv"), env=env)
    assert_one_line_error(result, "not found")
    assert "failed to load" not in result.stderr
    listing = run_cli("--help", env=env)  # the plugins' own commands are listed, so they are loaded
    assert "collect" in listing.stdout and "plugin 'reactlens-broken' failed to load" in listing.stderr


def test_a_built_in_command_imports_its_own_module_alone():
    import importlib

    from typer.main import get_command_name

    from reactlens.cli import COMMANDS, app

    for module in set(COMMANDS.values()):
        importlib.import_module(f"reactlens.cli.{module}")
    built_in = {
        c.name or get_command_name(c.callback.__name__)
        for c in app.registered_commands
        if c.callback.__module__.startswith("reactlens.cli.")
    }
    assert built_in == set(COMMANDS)  # every built-in command is in the table
    for name in COMMANDS:  # and found through it
        shown = run_cli(name, "--help")
        assert shown.returncode == 0 and f"reactlens {name}" in shown.stdout, shown.stderr
    alone = (
        "import sys; from reactlens.cli import _register_commands; _register_commands(['report']); print(sys.modules)"
    )
    imported = subprocess.run([sys.executable, "-c", alone], capture_output=True, text=True, check=True).stdout
    assert "'reactlens.cli.report'" in imported and "'cv2'" not in imported  # a report goes without OpenCV (28 MB)


def test_allow_list_limits_third_party_plugins(plugin_path):
    only_good = run_cli(
        "plugins", "--json", env={"PYTHONPATH": str(plugin_path), "REACTLENS_LOAD_PLUGINS": "reactlens-good"}
    )
    names = {p["name"] for p in json.loads(only_good.stdout)}
    assert "reactlens-good" in names and "reactlens-broken" not in names and names >= BUILTINS
    assert "failed to load" not in only_good.stderr
    none = run_cli("plugins", "--json", env={"PYTHONPATH": str(plugin_path), "REACTLENS_LOAD_PLUGINS": ""})
    assert {p["name"] for p in json.loads(none.stdout)} >= BUILTINS
    assert not {"reactlens-good", "reactlens-broken"} & {p["name"] for p in json.loads(none.stdout)}


def test_unknown_component_and_option_say_what_exists():
    host = PluginHost()
    host.load_entry_points(allow=[])
    with pytest.raises(ReactlensError, match=r"unknown sink 'parquet'.*available sinks: annotate, csv"):
        host.create("sink", "parquet", {})
    with pytest.raises(
        ReactlensError, match=r"unknown option scale for detector 'haar'.*valid options: cascade, scale_factor"
    ):
        host.create("detector", "haar", {"scale": 2})


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("detector.scale_factor=[[", "option detector.scale_factor=[[ is not a number; give a number, for example"),
        ("detector.min_size=abc", "option detector.min_size=abc is not a whole number"),
        ("detector.every=1.5", "option detector.every=1.5 is not a whole number"),  # a camera-rate option
        ("detector.track=3", "option detector.track=3 is not true or false"),
        ("sinks.csv.flush_s=soon", "option sinks.csv.flush_s=soon is not a number"),
    ],
)
def test_an_option_of_the_wrong_type_names_the_option_and_the_type(clip, tiny_model, setting, expected):
    args = ("run", "--source", str(clip), "--model", str(tiny_model), "--set", "detector.use=haar", "--set", setting)
    assert_one_line_error(run_cli(*args, "-q"), expected)


def test_plugins_options_fit_an_80_column_terminal():
    result = run_cli("plugins", "--options", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.stdout
    heading = lines.index(next(line for line in lines if line.startswith("detector centerface")))
    block = "\n".join(lines[heading : heading + 24])
    for option, default, takes in [("threshold", "0.4", "a number"), ("every", "1", "a whole number")]:
        assert re.search(rf"^\s+{option}\s+{re.escape(default)}\s+{takes}\s*$", block, re.M), block


def test_unknown_option_on_the_command_line(clip, tiny_model):
    result = run_cli("run", "--source", str(clip), "--model", str(tiny_model), "--set", "detector.bogus=1", "-q")
    assert_one_line_error(result, "unknown option bogus for detector 'yunet'", "valid options:")
