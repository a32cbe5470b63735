"""Labelling photos with Amazon Rekognition DetectFaces, as the original project did.

Each ``photo.jpg`` gets a ``photo.json`` beside it holding the DetectFaces response; ``reactlens train
import --rekognition`` turns those into labelled samples. Photos that already have a response are
skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional

import cv2

from reactlens.errors import ReactlensError

from .importing import list_images

#: DetectFaces accepts image bytes up to 5 MiB.
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class LabelReport:
    """What a labelling run did."""

    labelled: int = 0
    skipped: int = 0
    faces: int = 0
    failed: List[str] = field(default_factory=list)


def image_bytes(path: str) -> bytes:
    """The photo as JPEG/PNG bytes under the 5 MiB limit (re-encoded smaller when needed)."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) <= MAX_BYTES and path.lower().endswith((".jpg", ".jpeg", ".png")):
        return data
    image = cv2.imread(path)
    if image is None:
        raise ValueError("not a readable image")
    while True:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        if ok and len(encoded) <= MAX_BYTES:
            return encoded.tobytes()
        image = cv2.resize(image, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)


def label_photos(
    folder: str,
    client: Any = None,
    region: Optional[str] = None,
    overwrite: bool = False,
    on_photo: Optional[Callable[[str], None]] = None,
) -> LabelReport:
    """Call DetectFaces (``Attributes=['ALL']``) for every photo in ``folder`` and save the responses."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    if not os.path.isdir(folder):
        raise ReactlensError(f"{folder} is not a folder", "pass the folder of photos to label")
    photos = list_images(folder)
    if not photos:
        raise ReactlensError(f"no photos in {folder}", "put .jpg or .png photos there")
    if client is None:
        import boto3

        try:
            client = boto3.client("rekognition", region_name=region)
        except NoRegionError:
            raise ReactlensError("no AWS region set", "pass --region or set AWS_DEFAULT_REGION") from None
    report = LabelReport()
    for photo in photos:
        target = os.path.splitext(photo)[0] + ".json"
        if os.path.exists(target) and not overwrite:
            report.skipped += 1
            continue
        try:
            response = client.detect_faces(Image={"Bytes": image_bytes(photo)}, Attributes=["ALL"])
        except NoCredentialsError:
            raise ReactlensError("no AWS credentials found", "run `aws configure` or set AWS_PROFILE") from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException"):
                raise ReactlensError(
                    f"Rekognition refused the request ({code})",
                    "check the credentials and the rekognition:DetectFaces permission",
                ) from None
            report.failed.append(f"{photo}: {code or exc}")
            continue
        except (BotoCoreError, ValueError, OSError) as exc:
            report.failed.append(f"{photo}: {exc}")
            continue
        response.pop("ResponseMetadata", None)
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(response, handle, indent=1)
        report.labelled += 1
        report.faces += len(response.get("FaceDetails", []))
        if on_photo is not None:
            on_photo(photo)
    return report
