"""Building the DeepLens deployment: the Greengrass Lambda zip and the model archive DeepLens imports.

The zip holds ``lambda_function.py`` (the entry module), the reactlens runtime and the plugins the
``deeplens`` profile uses, ``reactlens_deeplens.json`` (the profile settings) and, under ``vendor/``, the
pure-Python dependencies for the device's Python 3.7 (pluggy and its backports). numpy, OpenCV,
``awscam``, ``mo`` and ``greengrasssdk`` are the device's own. Beside the zip goes ``<model>.tar.gz``
with ``<model>-symbol.json`` and ``<model>-0000.params``, the form a DeepLens model import takes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from reactlens.errors import ReactlensError

HERE = Path(__file__).resolve().parent
#: Pure-Python wheels the runtime needs on Python 3.7 (pluggy 1.2 is the last release for 3.7).
VENDOR_WHEELS = ["pluggy==1.2.0", "importlib-metadata==6.7.0", "zipp==3.15.0", "typing-extensions==4.7.1"]
#: Packages copied into the zip, and modules left out of them (desktop-only: CLI, reports, test kit).
PACKAGES = ("reactlens", "reactlens_opencv", "reactlens_track", "reactlens_deeplens")
LEFT_OUT = {
    "reactlens": ("cli", "report", "testing", "demo.py", "evaluate.py", "metrics.py", "full_house.py", "__main__.py"),
    "reactlens_deeplens": ("cli.py", "package.py", "lambda_function.py"),
}


@dataclass
class Built:
    """What ``build`` wrote."""

    zip_path: Path
    model_archive: Path
    files: List[str]


def model_settings(onnx_path: Path) -> Dict[str, object]:
    """The classifier options matching a shipped model, read from its ONNX metadata."""
    from reactlens_onnx.classifier import OnnxClassifier

    spec = OnnxClassifier(model=str(onnx_path)).spec
    if spec.layout != "NCHW" or spec.output != "probabilities" or any(m != 0 for m in spec.mean):
        raise ReactlensError(
            f"{onnx_path.name} normalises its input outside the graph or gives logits",
            "export it with `reactlens train export` (normalisation and softmax inside the graph)",
        )
    return {
        "labels": list(spec.labels),
        "smile_label": spec.smile_label,
        "size": spec.size[0],
        "gray": spec.color == "gray",
        "crop_margin": spec.crop_margin,
        "crop_shift_y": spec.crop_shift_y,
    }


def vendor(target: Path, wheels: Optional[Path]) -> None:
    """Unpack the Python 3.7 wheels of the vendored dependencies into ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        source = wheels
        if source is None:  # through pip, the package manager, as the only download
            source = Path(tmp)
            command = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.7",
                "--implementation",
                "py",
                "--dest",
                str(source),
                *VENDOR_WHEELS,
            ]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise ReactlensError(
                    "pip could not fetch the Python 3.7 wheels to vendor "
                    f"({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode})",
                    "connect to PyPI, or pass --wheels DIR holding: " + " ".join(VENDOR_WHEELS),
                )
        for requirement in VENDOR_WHEELS:
            name, version = requirement.split("==")
            stem = name.replace("-", "_")
            found = sorted(source.glob(f"{stem}-{version}-*.whl"))
            if not found:
                raise ReactlensError(f"no wheel for {requirement} in {source}", "pip download it into --wheels DIR")
            with zipfile.ZipFile(found[0]) as wheel:
                for member in wheel.namelist():
                    if ".dist-info/" not in member:
                        wheel.extract(member, target)


def _copy_package(name: str, target: Path) -> None:
    module = __import__(name)
    source = Path(str(module.__file__)).resolve().parent
    skip = LEFT_OUT.get(name, ())
    shutil.copytree(
        source,
        target / name,
        ignore=lambda folder, names: [n for n in names if n == "__pycache__" or (Path(folder) == source and n in skip)],
    )


def build(
    out: Path,
    model_dir: Path,
    model: str = "smile-net",
    wheels: Optional[Path] = None,
    overrides: Optional[Dict[str, Any]] = None,
) -> Built:
    """Write the Lambda zip at ``out`` and ``<model>.tar.gz`` beside it."""
    symbol, params, onnx_path = (model_dir / f"{model}{suffix}" for suffix in ("-symbol.json", "-0000.params", ".onnx"))
    for path in (symbol, params, onnx_path):
        if not path.exists():
            raise ReactlensError(f"model file {path} not found", "pass --model-dir with the exported model files")
    settings = {
        "profile": "deeplens",
        "overrides": {
            "classifier": {"use": "deeplens-smile-net", "model": model, **model_settings(onnx_path)},
            **(overrides or {}),
        },
        "restart_s": 10,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lambda"
        root.mkdir()
        shutil.copy(HERE / "lambda_function.py", root / "lambda_function.py")
        (root / "reactlens_deeplens.json").write_text(json.dumps(settings, indent=2))
        for package in PACKAGES:
            _copy_package(package, root)
        vendor(root / "vendor", wheels)
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in files:
                archive.write(root / name, name)
    archive_path = out.parent / f"{model}.tar.gz"
    with tarfile.open(archive_path, "w:gz") as tar:
        for path in (symbol, params):
            tar.add(path, arcname=path.name)
    return Built(out, archive_path, files)


def upload(
    bucket: str, zip_path: Path, model_archive: Path, prefix: str = "reactlens", region: Optional[str] = None
) -> List[str]:
    """Put the Lambda zip and the model archive on S3; returns their s3:// URLs."""
    if not bucket.startswith("deeplens-"):
        raise ReactlensError(
            f"bucket '{bucket}' does not start with 'deeplens-'",
            "DeepLens imports models only from buckets named deeplens-...; create one such as deeplens-reactlens-<you>",
        )
    for path in (zip_path, model_archive):
        if not path.exists():
            raise ReactlensError(f"{path} not found", "build it first with `reactlens deeplens package`")
    import boto3
    import botocore.exceptions

    s3 = boto3.client("s3", region_name=region)
    urls = []
    for path in (zip_path, model_archive):
        key = f"{prefix.strip('/')}/{path.name}"
        try:
            s3.upload_file(str(path), bucket, key)
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
            boto3.exceptions.S3UploadFailedError,
        ) as exc:
            raise ReactlensError(
                f"upload of {path.name} to s3://{bucket} failed: {exc}",
                "check the bucket exists in this region and your AWS credentials",
            ) from None
        urls.append(f"s3://{bucket}/{key}")
    return urls
