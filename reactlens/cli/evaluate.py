"""``reactlens evaluate`` and ``evaluate-detector``: accuracy of the classifier, recall of the detector."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ..detector_eval import frame_count, load_truth, score_detector
from ..errors import ReactlensError
from ..evaluate import evaluate as run_evaluation
from ..evaluate import labelled_images
from ..metrics import format_confusion
from ..plugins import get_host
from . import app
from .console import counting, err_console, out_console
from .run import build_profile


def check_light(light: float) -> None:
    """``--light`` is a share of the light: above 0, at most 1."""
    if not 0.0 < light <= 1.0:
        raise ReactlensError(f"--light {light} must be in (0, 1]", "use 0.2 for a fifth of the light")


@app.command()
def evaluate(
    folder: Path = typer.Argument(..., help="Folder with one subfolder per label (smile/, neutral/)."),
    detect: bool = typer.Option(False, "--detect", help="Images are whole photos: classify the largest detected face."),
    model: Optional[str] = typer.Option(None, "--model", help="ONNX model (default: the shipped smile-net)."),
    map_: List[str] = typer.Option([], "--map", help="Treat folder FOLDER as label LABEL: FOLDER=LABEL (repeatable)."),
    others: Optional[str] = typer.Option(None, "--others", help="Label for every other folder (e.g. neutral)."),
    profile: str = typer.Option("video", "--profile", "-p", help="Profile whose detector and classifier to use."),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML file with \\[profiles.NAME] tables."),
    set_: List[str] = typer.Option([], "--set", help="Override a profile option, e.g. detector.min_size=40."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Write each image's outcome to this CSV."),
    light: float = typer.Option(1.0, "--light", help="Darken every image to this share of its light, plus noise."),
    face_px: int = typer.Option(
        0, "--face-px", min=0, help="Shrink each crop until its face is this many pixels wide (a far seat); 0: as cut."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object with the metrics."),
) -> None:
    """Accuracy, balanced accuracy, F1, ROC AUC and the confusion matrix on labelled images."""
    check_light(light)
    if face_px and detect:
        raise ReactlensError("--face-px shrinks crops, not whole photos", "leave out --detect or --face-px")
    chosen = build_profile(profile, config, model=model, sets=set_)
    host = get_host()
    classifier = host.create("classifier", chosen.classifier.use, dict(chosen.classifier.options))
    detector = host.create("detector", chosen.detector.use, dict(chosen.detector.options)) if detect else None
    mapping = {}
    for pair in map_:
        folder_name, sep, label = pair.partition("=")
        if not sep:
            raise ReactlensError(f"--map {pair!r} is not FOLDER=LABEL", "for example --map happy=smile")
        mapping[folder_name] = label
    items = labelled_images(str(folder), classifier.labels, mapping, others)
    with counting("evaluating", len(items), quiet=json_out) as advance:
        result = run_evaluation(items, classifier, detector, advance, light, face_px)
    if result.unreadable:
        err_console.print(
            f"reactlens: warning: {len(result.unreadable)} unreadable images skipped (first: {result.unreadable[0]})",
            markup=False,
        )
    if predictions is not None:
        with open(predictions, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "truth", "predicted", *(f"score_{label}" for label in result.labels)])
            for p in result.predictions:
                scores = [round(float(s), 4) for s in p.scores] if p.scores is not None else [""] * len(result.labels)
                writer.writerow(
                    [
                        p.path,
                        result.labels[p.truth],
                        result.labels[p.predicted] if p.predicted >= 0 else "no_face",
                        *scores,
                    ]
                )
    summary = result.to_dict()
    if json_out:
        out_console.print_json(json.dumps(summary))
        return
    m = result.metrics

    def fmt(value) -> str:
        return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"

    positive = f" ({result.positive})" if result.positive else " (macro)"
    out_console.print(
        f"images: {m['n']}{' · photos without a face: ' + str(result.no_face) if detect else ''}\n"
        f"accuracy:          {fmt(m['accuracy'])}\n"
        f"balanced accuracy: {fmt(m['balanced_accuracy'])}\n"
        f"F1{positive}: {fmt(m['f1'])}\n"
        f"ROC AUC{positive}: {fmt(m['auc'])}\n\n"
        f"{format_confusion(m['confusion'], list(result.labels))}",
        markup=False,
    )


@app.command("evaluate-detector")
def evaluate_detector(
    truth: List[Path] = typer.Argument(..., help="Ground-truth XML files (dlib imglab form; photos or video frames)."),
    media: Optional[Path] = typer.Option(None, "--media", help="Folder of the files the XML names, if not beside it."),
    light: float = typer.Option(1.0, "--light", help="Darken every frame to this share of its light, plus noise."),
    profile: str = typer.Option("video", "--profile", "-p", help="Profile whose detector to use."),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML file with \\[profiles.NAME] tables."),
    set_: List[str] = typer.Option([], "--set", help="Override a profile option, e.g. detector.use=haar."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object with the figures."),
) -> None:
    """Recall and precision (IoU 0.3 and 0.5), false faces per frame and speed of the profile's detector."""
    check_light(light)
    chosen = build_profile(profile, config, sets=set_)
    host = get_host()
    spec = chosen.detector
    truths = [t for path in truth for t in load_truth(str(path), str(media) if media else None)]
    with counting("detecting", frame_count(truths), quiet=json_out) as advance:
        result = score_detector(truths, lambda: host.create("detector", spec.use, dict(spec.options)), light, advance)
    summary = {"detector": spec.use, "options": spec.options, "light": light, **result.to_dict()}
    if json_out:
        out_console.print_json(json.dumps(summary))
        return
    table = Table(title=f"detector '{spec.use}'" + (f", {light:.0%} of the light" if light < 1 else ""))
    columns = ("file", "frames", "faces", "recall@0.3", "recall@0.5", "false/frame", "ms/frame")
    for column in columns:
        table.add_column(column, justify="left" if column == "file" else "right")
    for row in summary["files"]:
        table.add_row(
            Path(row["file"]).name,
            str(row["annotated_frames"]),
            str(row["faces"]),
            f"{row['recall@0.3']:.3f}",
            f"{row['recall@0.5']:.3f}",
            f"{row['false_faces_per_frame']:.3f}",
            f"{row['ms_per_frame']:.1f}",
        )
    total = summary["total"]
    table.add_row(
        "all",
        str(total["annotated_frames"]),
        str(total["faces"]),
        f"{total['recall@0.3']:.3f}",
        f"{total['recall@0.5']:.3f}",
        f"{total['false_faces_per_frame']:.3f}",
        "",
    )
    out_console.print(table)
    out_console.print(f"precision@0.3 {total['precision@0.3']:.3f} · precision@0.5 {total['precision@0.5']:.3f}")
