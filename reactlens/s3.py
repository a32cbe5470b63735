"""S3 for reactlens: listing, reading and downloading objects, each failure one line naming the bucket and the fix."""

from __future__ import annotations

import os
from typing import Any, List, Tuple

from .errors import ReactlensError


def split_uri(uri: str) -> Tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key)."""
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ReactlensError(f"{uri} names no bucket", "write s3://BUCKET/PREFIX")
    return bucket, key


def client(service: str = "s3") -> Any:
    try:
        import boto3
    except ImportError:
        raise ReactlensError("reaching AWS needs boto3", "pip install 'reactlens[iot]'") from None
    return boto3.client(service)


def problem(exc: Exception, bucket: str, action: str) -> ReactlensError:
    """One line for an S3 failure, naming the bucket and what would fix it."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return ReactlensError(
            f"no AWS credentials to {action} in bucket {bucket}",
            "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure`",
        )
    if isinstance(exc, EndpointConnectionError):
        return ReactlensError(f"cannot reach S3 to {action} in bucket {bucket}", "check the network and AWS_REGION")
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
    if code == "NoSuchBucket":
        return ReactlensError(f"bucket {bucket} does not exist", "check the s3:// address")
    if code in ("NoSuchKey", "404"):
        return ReactlensError(f"no object to {action} in bucket {bucket}", "check the s3:// address")
    if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return ReactlensError(
            f"S3 denied access to bucket {bucket} ({code}) when trying to {action}",
            f"give these credentials s3:ListBucket and s3:GetObject on arn:aws:s3:::{bucket} or change AWS_PROFILE",
        )
    return ReactlensError(f"S3 refused to {action} in bucket {bucket} ({code})", "check the bucket and its policy")


def list_keys(uri: str, what: str = "objects") -> List[str]:
    """The keys under an ``s3://bucket/prefix``, in key order."""
    bucket, prefix = split_uri(uri)
    s3 = client()
    try:
        return sorted(
            item["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        )
    except Exception as exc:
        raise problem(exc, bucket, f"list {what}") from None


def read_object(bucket: str, key: str) -> bytes:
    try:
        return client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        raise problem(exc, bucket, f"read {key}") from None


def download(uri: str, folder: str) -> str:
    """The object downloaded into ``folder``; its path."""
    bucket, key = split_uri(uri)
    path = os.path.join(folder, os.path.basename(key) or "recording")
    try:
        client().download_file(bucket, key, path)
    except Exception as exc:
        raise problem(exc, bucket, f"read {key}") from None
    return path
