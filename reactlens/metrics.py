"""Classification metrics with numpy alone: accuracy, balanced accuracy, F1, ROC AUC, confusion matrix."""

from __future__ import annotations

from typing import List, Optional, Sequence, TypedDict

import numpy as np


class Metrics(TypedDict):
    """What ``classification_metrics`` measures (NaN where a figure does not apply)."""

    n: int
    accuracy: float
    balanced_accuracy: float
    f1: float
    auc: float
    #: Rows: true class; columns: predicted class.
    confusion: List[List[int]]


def confusion(targets: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Rows: true class; columns: predicted class (-1 = no prediction, counted in no column)."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    valid = predicted >= 0
    np.add.at(matrix, (targets[valid], predicted[valid]), 1)
    return matrix


def roc_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); NaN with one class only."""
    positive = positive.astype(bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks for ties
    _, starts, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(starts, counts):
        ranks[order[start : start + count]] = start + (count + 1) / 2.0
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_metrics(targets: np.ndarray, probs: np.ndarray, positive: int = 1) -> Metrics:
    """Metrics of a two-class problem from probabilities (N×2)."""
    predicted = probs.argmax(axis=1)
    return classification_metrics(targets, predicted, probs[:, positive], 2, positive)


def classification_metrics(
    targets: np.ndarray,
    predicted: np.ndarray,
    positive_scores: Optional[np.ndarray],
    classes: int,
    positive: Optional[int] = None,
) -> Metrics:
    """Accuracy, balanced accuracy, F1, AUC and the confusion matrix.

    ``predicted`` may hold -1 for "no prediction" (a photo without a face): that counts as wrong.
    With a ``positive`` class, F1 and AUC are for that class; otherwise F1 is the macro average and
    AUC is not computed.
    """
    targets = np.asarray(targets, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    n = len(targets)
    matrix = confusion(targets, predicted, classes)
    correct = int((predicted == targets).sum())
    recalls = [matrix[c, c] / max(int((targets == c).sum()), 1) for c in range(classes) if (targets == c).any()]

    def f1_of(c: int) -> float:
        tp = matrix[c, c]
        fp = matrix[:, c].sum() - tp
        fn = int((targets == c).sum()) - tp
        return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0

    f1 = f1_of(positive) if positive is not None else float(np.mean([f1_of(c) for c in range(classes)]))
    auc = float("nan")
    if positive is not None and positive_scores is not None:
        # a missing prediction scores lowest, so it ranks as the least likely positive
        scores = np.where(predicted >= 0, positive_scores, -1.0)
        auc = roc_auc(targets == positive, scores)
    return {
        "n": n,
        "accuracy": correct / n if n else float("nan"),
        "balanced_accuracy": float(np.mean(recalls)) if recalls else float("nan"),
        "f1": f1,
        "auc": auc,
        "confusion": matrix.tolist(),
    }


def format_confusion(matrix: Sequence[Sequence[int]], labels: List[str]) -> str:
    """A plain-text confusion matrix (rows: truth, columns: prediction)."""
    width = max(8, *(len(label) + 2 for label in labels))
    lines = ["truth \\ predicted".ljust(width + 10) + "".join(label.rjust(width) for label in labels)]
    for label, row in zip(labels, matrix):
        lines.append(label.ljust(width + 10) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)
