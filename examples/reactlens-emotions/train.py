"""Retrain the shipped emotions model with reactlens's own training pipeline (MXNet Gluon → ONNX).

    pip install -e "examples/reactlens-emotions[train]"
    python examples/reactlens-emotions/train.py --data ../shared/datasets/fer2013 [--epochs 30]

FER-2013's train folder is split 90/10 into train/validation (stratified, seeded); its test folder is
only used for the final figures, written to ``reactlens_emotions/emotions-metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="FER-2013 folder with train/ and test/, one subfolder per label")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--work", default="build/emotions", help="folder for records and checkpoints")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))

    import mxnet as mx
    from reactlens_training.export import export
    from reactlens_training.fit import FitConfig, fit, predict
    from reactlens_training.recipe import import_set, stratified_split
    from reactlens_training.samples import SampleSet

    from reactlens.metrics import classification_metrics, format_confusion

    def load(folder: str) -> SampleSet:
        return import_set(folder, "fer2013", print, labels=LABELS, mode="crops")

    started = time.perf_counter()
    everything = load(os.path.join(args.data, "train"))
    test = load(os.path.join(args.data, "test"))
    train_idx, val_idx = stratified_split(everything.targets, (0.9, 0.1), seed=0)
    # one source of labels here, so no origin down-weighting; balance the rare classes (disgust: 1.5%)
    config = FitConfig(epochs=args.epochs, balance=True, origin_weights={}, label_smoothing=0.1)
    result = fit(
        everything.subset(train_idx), everything.subset(val_idx), os.path.join(args.work, "checkpoint"), config
    )
    package = HERE / "reactlens_emotions"
    exported = export(
        result.params_path,
        os.path.join(args.work, "checkpoint", "fit.json"),
        args.work,
        name="emotions",
        smile_label="happy",
    )
    os.replace(exported.onnx, package / "emotions.onnx")

    block = mx.gluon.SymbolBlock.imports(exported.symbol, ["data"], exported.params, ctx=mx.cpu())
    probs = predict(block, test, config.size, outputs_probabilities=True)
    scores = classification_metrics(test.targets, probs.argmax(1), None, len(LABELS))
    happy = LABELS.index("happy")
    happy_scores = classification_metrics(test.targets == happy, probs.argmax(1) == happy, probs[:, happy], 2, 1)
    metrics = {
        "labels": LABELS,
        "fit": asdict(config),
        "best_epoch": result.best_epoch,
        "fer2013-test": {k: v for k, v in scores.items() if k != "auc"},  # no AUC for 7 classes
        "fer2013-test-happy-vs-rest": {k: happy_scores[k] for k in ("accuracy", "balanced_accuracy", "f1", "auc")},
        "minutes": round((time.perf_counter() - started) / 60, 2),
    }
    (package / "emotions-metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False))
    print(
        f"FER-2013 test: accuracy {scores['accuracy']:.4f}, balanced accuracy {scores['balanced_accuracy']:.4f}, "
        f"macro F1 {scores['f1']:.4f} (n={scores['n']})"
    )
    print(format_confusion(scores["confusion"], LABELS))
    print(f"wrote {package / 'emotions.onnx'} in {metrics['minutes']} min")


if __name__ == "__main__":
    main()
