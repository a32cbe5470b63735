"""``reactlens deeplens package|upload``: the Greengrass Lambda and model for an AWS DeepLens."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reactlens.cli.console import out_console

deeplens_app = typer.Typer(help="Build and upload the AWS DeepLens deployment (see DEEPLENS.md).", no_args_is_help=True)


def _models_dir() -> Path:
    from reactlens_models import model_path

    return model_path().parent


@deeplens_app.command()
def package(
    out: Path = typer.Option(
        Path("build/deeplens/deeplens-reactlens.zip"),
        "--out",
        "-o",
        help="The Lambda zip; the model archive is written beside it.",
    ),
    model_dir: Optional[Path] = typer.Option(
        None,
        "--model-dir",
        help="Folder with the exported model "
        "(<model>-symbol.json, <model>-0000.params, <model>.onnx). Default: the shipped smile-net.",
    ),
    model: str = typer.Option("smile-net", "--model", help="Model name (file prefix)."),
    wheels: Optional[Path] = typer.Option(
        None,
        "--wheels",
        help="Folder of Python 3.7 wheels to vendor instead of fetching them with pip (offline builds).",
    ),
    topic: Optional[str] = typer.Option(None, "--topic", help="IoT topic (default $aws/things/<thing>/infer)."),
) -> None:
    """Build the Lambda deployment zip (Python 3.7) and the model .tar.gz DeepLens imports."""
    from .package import build

    overrides = {"sinks": [{"use": "greengrass", "topic": topic}, {"use": "project-stream"}]} if topic else None
    built = build(out, model_dir or _models_dir(), model, wheels, overrides)
    size = built.zip_path.stat().st_size / 1e6
    out_console.print(
        f"lambda  {built.zip_path} ({size:.1f} MB, {len(built.files)} files, handler "
        "lambda_function.lambda_handler, runtime python3.7)",
        markup=False,
    )
    out_console.print(f"model   {built.model_archive}", markup=False)
    out_console.print("next: reactlens deeplens upload --bucket deeplens-... (or follow DEEPLENS.md)", markup=False)


@deeplens_app.command()
def upload(
    bucket: str = typer.Option(..., "--bucket", help="S3 bucket whose name starts with deeplens-."),
    out: Path = typer.Option(
        Path("build/deeplens/deeplens-reactlens.zip"),
        "--zip",
        help="The Lambda zip built by `reactlens deeplens package`.",
    ),
    model: str = typer.Option("smile-net", "--model", help="Model name (file prefix)."),
    prefix: str = typer.Option("reactlens", "--prefix", help="Key prefix in the bucket."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: your AWS configuration)."),
) -> None:
    """Upload the Lambda zip and the model archive to S3 (AWS credentials from the usual places)."""
    from .package import upload as put

    for url in put(bucket, out, out.parent / f"{model}.tar.gz", prefix, region):
        out_console.print(url, markup=False)
