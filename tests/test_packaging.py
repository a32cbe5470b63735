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


def test_every_shipped_model_is_in_the_model_card_with_its_size_and_checksum():
    import hashlib
    import re

    card = (ROOT / "models" / "MODEL_CARD.md").read_text()
    stated = {
        name: (int(size.replace(",", "")), digest)
        for name, size, digest in re.findall(r"`([\w.-]+)` \(([\d,]+) bytes\), sha256 `([0-9a-f]{64})`", card)
    }
    for path in (ROOT / "models").glob("*.onnx"):
        assert path.name in stated, f"{path.name} has no size and sha256 in models/MODEL_CARD.md"
        data = path.read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == stated[path.name], path.name
