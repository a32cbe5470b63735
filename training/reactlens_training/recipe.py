"""The reproducible smile-net recipe: SMILEsmileD + FER-2013 → records → training → export → test metrics.

Splits are stratified and seeded. SMILEsmileD gives train/val/test (70/15/15); FER-2013's own test
folder stays untouched for testing, its train folder gives train/val (90/10). FER-2013 "happy" is
"smile" and every other expression "neutral" (not smiling).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from reactlens.errors import ReactlensError
from reactlens.metrics import binary_metrics

from .fit import FitConfig, fit, predict
from .importing import ImportReport, folder_samples
from .recordio import write_records
from .samples import Sample, SampleSet

LABELS = ["neutral", "smile"]


def stratified_split(targets: np.ndarray, fractions: Tuple[float, ...], seed: int) -> List[np.ndarray]:
    """Index arrays, one per fraction (the last takes the rest), with each label split alike."""
    rng = np.random.default_rng(seed)
    parts: List[List[int]] = [[] for _ in fractions]
    for label in np.unique(targets):
        idx = rng.permutation(np.flatnonzero(targets == label))
        edges = np.round(np.cumsum(fractions)[:-1] * len(idx)).astype(int)
        for part, chunk in zip(parts, np.split(idx, edges)):
            part.extend(chunk.tolist())
    return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]


def import_set(
    root: str, origin: str, report: Callable[[str], None], labels: Sequence[str] = LABELS, **kwargs
) -> SampleSet:
    """Read a labelled folder into memory."""
    stats = ImportReport()
    data = SampleSet(list(labels))
    targets, boxes = [], []
    for sample in folder_samples(root, labels, origin=origin, report=stats, **kwargs):
        data.images.append(sample.image)
        data.origins.append(sample.origin)
        targets.append(sample.label)
        boxes.append(sample.box)
    data.targets = np.asarray(targets, dtype=np.int64)
    data.boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    report(f"imported {root}: {stats.line()}")
    return data


def pack(data: SampleSet, prefix: str) -> SampleSet:
    """Write a set as RecordIO and return it."""
    return write_records(
        prefix,
        (Sample(img, int(t), tuple(b), o) for img, t, b, o in zip(data.images, data.targets, data.boxes, data.origins)),
        data.labels,
    )


def smile_net(
    data_root: str,
    out_dir: str,
    config: FitConfig,
    report: Callable[[str], None] = print,
    fer: bool = True,
    on_step=None,
) -> Dict[str, object]:
    """Run the whole recipe; return the metrics written to ``out_dir/metrics.json``."""
    from .export import export

    started = time.perf_counter()
    smiles_root = os.path.join(data_root, "smilesmiled")
    fer_root = os.path.join(data_root, "fer2013")
    if not os.path.isdir(smiles_root):
        raise ReactlensError(f"{smiles_root} not found", "pass --data pointing at ../shared/datasets")
    records = os.path.join(out_dir, "records")

    smiles = import_set(smiles_root, "smilesmiled", report, mode="crops")
    train_idx, val_idx, test_idx = stratified_split(smiles.targets, (0.70, 0.15, 0.15), config.seed)
    train_parts = [pack(smiles.subset(train_idx), os.path.join(records, "smilesmiled-train"))]
    val_parts = [pack(smiles.subset(val_idx), os.path.join(records, "smilesmiled-val"))]
    tests = {"smilesmiled-test": pack(smiles.subset(test_idx), os.path.join(records, "smilesmiled-test"))}
    if fer and os.path.isdir(fer_root):

        def fer_set(part: str) -> SampleSet:  # happy is a smile; the six other expressions are not
            root = os.path.join(fer_root, part)
            return import_set(root, "fer2013", report, mode="crops", mapping={"happy": "smile"}, others="neutral")

        fer_train = fer_set("train")
        f_train, f_val = stratified_split(fer_train.targets, (0.9, 0.1), config.seed)
        train_parts.append(pack(fer_train.subset(f_train), os.path.join(records, "fer2013-train")))
        val_parts.append(pack(fer_train.subset(f_val), os.path.join(records, "fer2013-val")))
        fer_test = fer_set("test")
        tests["fer2013-test"] = pack(fer_test, os.path.join(records, "fer2013-test"))
    train, val = SampleSet.concat(train_parts), SampleSet.concat(val_parts)
    report(f"training on {len(train)} faces {train.counts()}, validating on {len(val)} {val.counts()}")

    result = fit(train, val, os.path.join(out_dir, "checkpoint"), config, report, on_step)
    exported = export(result.params_path, os.path.join(out_dir, "checkpoint", "fit.json"), out_dir)
    report(
        f"exported {exported.onnx} and the MXNet files; "
        f"MXNet vs ONNX Runtime max difference {exported.max_difference:.1e}"
    )

    import mxnet as mx

    block = mx.gluon.SymbolBlock.imports(exported.symbol, ["data"], exported.params, ctx=mx.cpu())
    metrics: Dict[str, object] = {"labels": LABELS, "fit": asdict(config), "best_epoch": result.best_epoch}
    for name, data in tests.items():
        probs = predict(block, data, config.size, outputs_probabilities=True)
        scores = binary_metrics(data.targets, probs)
        metrics[name] = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in scores.items()}
        report(
            f"{name}: accuracy {scores['accuracy']:.4f}, balanced accuracy {scores['balanced_accuracy']:.4f}, "
            f"F1 {scores['f1']:.4f}, AUC {scores['auc']:.4f} (n={scores['n']})"
        )
    metrics["minutes"] = round((time.perf_counter() - started) / 60.0, 2)
    with open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8") as handle:
        json.dump(metrics, handle, indent=2)
    return metrics
