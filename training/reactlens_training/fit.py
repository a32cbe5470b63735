"""Training smile-net with MXNet Gluon: augmentation, validation every epoch, the best checkpoint kept."""

from __future__ import annotations

import json
import os
import queue
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from reactlens.errors import ReactlensError
from reactlens.metrics import binary_metrics

from .augment import Jitter, batch
from .samples import SampleSet


@dataclass
class FitConfig:
    """Everything that decides a training run; saved beside the checkpoint."""

    size: int = 48
    widths: Tuple[int, ...] = (16, 32, 64, 96)
    stem_stride: int = 1
    dropout: float = 0.3
    epochs: int = 22
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    seed: int = 0
    #: Weigh the loss so each label counts equally (favours balanced accuracy over accuracy).
    balance: bool = False
    #: Augmentation strengths, overriding ``Jitter``'s defaults.
    jitter: Dict[str, Any] = field(default_factory=dict)
    #: Loss weight per origin; origins not listed weigh 1. FER-2013's labels are noisier than SMILEsmileD's.
    origin_weights: Dict[str, float] = field(default_factory=lambda: {"fer2013": 0.6})


@dataclass
class FitResult:
    """Where the best checkpoint is and how every epoch went."""

    params_path: str
    best_epoch: int
    history: List[Dict[str, Any]]


def check_trainable(train: SampleSet, val: SampleSet) -> None:
    """Refuse data the model cannot learn from, with the reason."""
    for name, data in (("training", train), ("validation", val)):
        if len(data) == 0:
            raise ReactlensError(f"the {name} set is empty", "import labelled images first")
        missing = [label for label, n in data.counts().items() if n == 0]
        if missing:
            raise ReactlensError(
                f"the {name} set has no '{missing[0]}' samples (counts: {data.counts()})",
                "every label needs examples; check the folder names or --map",
            )


def _batches(data: SampleSet, order: np.ndarray, config: FitConfig, rng, jitter) -> queue.Queue:
    """Prepare augmented batches in a thread, a few ahead of the training step."""
    ready: queue.Queue = queue.Queue(maxsize=4)

    def work() -> None:
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            ready.put((batch(data.images, data.boxes, idx, config.size, rng, jitter), idx))
        ready.put(None)

    threading.Thread(target=work, daemon=True, name="reactlens-augment").start()
    return ready


def predict(net, data: SampleSet, size: int, batch_size: int = 512, outputs_probabilities: bool = False) -> np.ndarray:
    """Probabilities for every sample, cropped exactly as at run time (softmax applied unless the net does)."""
    import mxnet as mx

    out = []
    rng = np.random.default_rng(0)
    for start in range(0, len(data), batch_size):
        idx = np.arange(start, min(start + batch_size, len(data)))
        x = mx.nd.array(batch(data.images, data.boxes, idx, size, rng, None))
        y = net(x)
        out.append((y if outputs_probabilities else mx.nd.softmax(y)).asnumpy())
    return np.concatenate(out) if out else np.zeros((0, len(data.labels)), np.float32)


def fit(
    train: SampleSet,
    val: SampleSet,
    out_dir: str,
    config: FitConfig,
    report: Callable[[str], None] = print,
    on_step: Optional[Callable[[int, int, float], None]] = None,
) -> FitResult:
    """Train, validating after every epoch; keep the parameters of the best epoch."""
    import mxnet as mx
    from mxnet import autograd, gluon

    from .network import SmileNet

    check_trainable(train, val)
    os.makedirs(out_dir, exist_ok=True)
    random.seed(config.seed)
    np.random.seed(config.seed)
    mx.random.seed(config.seed)
    rng = np.random.default_rng(config.seed)
    classes = len(train.labels)

    net = SmileNet(classes, config.widths, config.stem_stride, config.dropout)
    net.initialize(mx.init.Xavier(magnitude=2.0), ctx=mx.cpu())
    net.hybridize(static_alloc=True, static_shape=True)

    counts = np.bincount(train.targets, minlength=classes).astype(np.float64)
    class_weight = (
        (counts.sum() / (classes * counts)).astype(np.float32) if config.balance else np.ones(classes, np.float32)
    )
    origin_weight = np.array([config.origin_weights.get(o, 1.0) for o in train.origins], dtype=np.float32)
    steps_per_epoch = int(np.ceil(len(train) / config.batch_size))
    schedule = mx.lr_scheduler.CosineScheduler(
        max_update=steps_per_epoch * config.epochs,
        base_lr=config.lr,
        final_lr=config.lr * 0.02,
        warmup_steps=steps_per_epoch // 2,
        warmup_begin_lr=config.lr * 0.1,
    )
    trainer = gluon.Trainer(
        net.collect_params(), "adam", {"learning_rate": config.lr, "wd": config.weight_decay, "lr_scheduler": schedule}
    )
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss(sparse_label=False)
    jitter = Jitter(**config.jitter)
    params_path = os.path.join(out_dir, "best.params")
    history: List[Dict[str, Any]] = []
    best_key: Tuple[float, float] = (-1.0, -1.0)
    best_epoch = -1
    smooth = config.label_smoothing
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        order = rng.permutation(len(train))
        ready = _batches(train, order, config, np.random.default_rng(rng.integers(1 << 31)), jitter)
        total_loss, correct, seen, step = 0.0, 0, 0, 0
        while True:
            item = ready.get()
            if item is None:
                break
            x_np, idx = item
            targets = train.targets[idx]
            onehot = np.full((len(idx), classes), smooth / classes, dtype=np.float32)
            onehot[np.arange(len(idx)), targets] += 1.0 - smooth
            weights = class_weight[targets] * origin_weight[idx]
            x, y, w = mx.nd.array(x_np), mx.nd.array(onehot), mx.nd.array(weights)
            with autograd.record():
                logits = net(x)
                loss = loss_fn(logits, y, w.reshape((-1, 1)))
            loss.backward()
            trainer.step(len(idx))
            total_loss += float(loss.sum().asscalar())
            correct += int((logits.argmax(axis=1).asnumpy().astype(np.int64) == targets).sum())
            seen += len(idx)
            step += 1
            if on_step is not None:
                on_step(epoch, step, total_loss / seen)
        probs = predict(net, val, config.size)
        metrics = binary_metrics(val.targets, probs) if classes == 2 else None
        val_acc = float((probs.argmax(axis=1) == val.targets).mean())
        per_origin = {}
        for origin in sorted(set(val.origins)):
            mask = np.array([o == origin for o in val.origins])
            per_origin[origin] = round(float((probs[mask].argmax(axis=1) == val.targets[mask]).mean()), 5)
        entry: Dict[str, Any] = {
            "epoch": epoch,
            "train_loss": round(total_loss / max(seen, 1), 5),
            "train_accuracy": round(correct / max(seen, 1), 5),
            "val_accuracy": round(val_acc, 5),
            "val_balanced_accuracy": round(metrics["balanced_accuracy"] if metrics else val_acc, 5),
            "val_auc": round(metrics["auc"] if metrics else float("nan"), 5),
            "val_accuracy_by_origin": per_origin,
            "seconds": round(time.perf_counter() - started, 1),
        }
        history.append(entry)
        key = (entry["val_balanced_accuracy"] + entry["val_accuracy"], entry["val_accuracy"])
        marker = ""
        if key > best_key:
            best_key, best_epoch = key, epoch
            net.save_parameters(params_path)
            marker = "  ← best, saved"
        report(
            f"epoch {epoch:2d}/{config.epochs}: loss {entry['train_loss']:.4f}, "
            f"train acc {entry['train_accuracy']:.4f}, "
            f"val acc {entry['val_accuracy']:.4f}, val balanced acc {entry['val_balanced_accuracy']:.4f}, "
            f"val AUC {entry['val_auc']:.4f} ("
            + ", ".join(f"{k} {v:.4f}" for k, v in per_origin.items())
            + f"), {entry['seconds']:.0f} s{marker}"
        )
    with open(os.path.join(out_dir, "fit.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {"config": asdict(config), "labels": train.labels, "best_epoch": best_epoch, "history": history},
            handle,
            indent=2,
        )
    return FitResult(params_path, best_epoch, history)
