"""What a non-editable install ships: every package of the source tree is in pyproject's explicit list, and so is
every folder of data files (a page's static files) inside one."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_in_the_tree_is_installed():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {name: ROOT / path for name, path in setuptools["package-dir"].items()}
    found = set()
    for top in ("reactlens", *folders):
        base = folders.get(top, ROOT / top)
        found.update(".".join((top, *init.parent.relative_to(base).parts)) for init in base.rglob("__init__.py"))
    data = {name for name in setuptools["package-data"] if name not in folders}
    assert all((ROOT / name.replace(".", "/")).is_dir() for name in data)
    assert found | data == set(setuptools["packages"])
