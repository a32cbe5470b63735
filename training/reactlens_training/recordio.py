"""Packing samples into MXNet RecordIO (``.lst`` + ``.rec`` + ``.idx``), the original project's im2rec step.

Each record's label is a vector ``[label, x, y, w, h]``: the label index and the face box in the
stored image (fractions). ``PREFIX.json`` beside the files names the labels and origins.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, List

import cv2
import numpy as np

from reactlens.errors import ReactlensError

from .samples import Sample, SampleSet


def write_records(prefix: str, samples: Iterable[Sample], labels: List[str]) -> SampleSet:
    """Write ``prefix.lst/.rec/.idx/.json`` and return what was written."""
    from mxnet import recordio

    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    written = SampleSet(labels)
    targets, boxes = [], []
    writer = recordio.MXIndexedRecordIO(prefix + ".idx", prefix + ".rec", "w")
    try:
        with open(prefix + ".lst", "w", encoding="utf-8") as lst:
            for index, sample in enumerate(samples):
                vector = [float(sample.label), *(float(v) for v in sample.box)]
                header = recordio.IRHeader(0, vector, index, 0)
                writer.write_idx(index, recordio.pack_img(header, sample.image, quality=3, img_fmt=".png"))
                fields = "\t".join(f"{v:.6g}" for v in vector)
                lst.write(f"{index}\t{fields}\t{sample.origin}\n")
                written.images.append(sample.image)
                written.origins.append(sample.origin)
                targets.append(sample.label)
                boxes.append(sample.box)
    finally:
        writer.close()
    written.targets = np.asarray(targets, dtype=np.int64)
    written.boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    with open(prefix + ".json", "w", encoding="utf-8") as handle:
        json.dump({"labels": labels, "counts": written.counts(), "records": len(written)}, handle, indent=2)
    return written


def read_records(prefix: str) -> SampleSet:
    """Load every record of ``prefix.rec`` into memory."""
    from mxnet import recordio

    for suffix in (".rec", ".idx", ".json"):
        if not os.path.exists(prefix + suffix):
            raise ReactlensError(f"{prefix}{suffix} not found", "create it with `reactlens train import`")
    with open(prefix + ".json", encoding="utf-8") as handle:
        meta = json.load(handle)
    origins = []
    with open(prefix + ".lst", encoding="utf-8") as lst:
        for line in lst:
            origins.append(line.rstrip("\n").split("\t")[-1])
    reader = recordio.MXIndexedRecordIO(prefix + ".idx", prefix + ".rec", "r")
    images, targets, boxes = [], [], []
    try:
        for key in reader.keys:
            header, payload = recordio.unpack(reader.read_idx(key))
            image = cv2.imdecode(np.frombuffer(payload, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise ReactlensError(f"{prefix}.rec record {key} is not an image", "re-create the file")
            vector = np.asarray(header.label, dtype=np.float32).ravel()
            images.append(image)
            targets.append(int(vector[0]))
            boxes.append(vector[1:5])
    finally:
        reader.close()
    return SampleSet(
        list(meta["labels"]),
        images,
        np.asarray(targets, dtype=np.int64),
        np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        origins if len(origins) == len(images) else [""] * len(images),
    )
