"""``reactlens iot rule``: a fleet's records routed by AWS IoT Core into S3, for analysis at scale.

An IoT topic rule (``SELECT * FROM 'reactlens/#'``) hands every message to a Kinesis Data Firehose delivery stream,
which writes them to ``s3://BUCKET/PREFIX`` as gzipped JSON lines, one message per line, every minute or 5 MB.
Two IAM roles let the services do that and nothing else: IoT may put records into this stream; Firehose may
write under this prefix. ``reactlens report s3://BUCKET/PREFIX`` reads what lands there. Running it again
updates the rule and the roles' policies in place.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any, Dict

from reactlens.errors import ReactlensError
from reactlens.s3 import client, problem

#: The SQL version AWS IoT recommends.
SQL_VERSION = "2016-03-23"


@dataclass
class Route:
    """What ``create_route`` made (or found and updated)."""

    rule_name: str
    rule_arn: str
    stream_arn: str
    iot_role_arn: str
    firehose_role_arn: str
    destination: str


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _role(iam: Any, name: str, service: str, policy: Dict[str, Any]) -> str:
    """The role ``name`` that ``service`` may assume, with exactly ``policy`` inline; its ARN."""
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="reactlens", PolicyDocument=json.dumps(policy))
    return arn


def _allow(actions: list, resources: list) -> Dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}


def create_route(name: str, topic: str, bucket: str, prefix: str = "reactlens/", buffer_s: int = 60) -> Route:
    """The topic rule, the delivery stream and their two roles; see the module docstring."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,56}", name):
        raise ReactlensError(f"name {name!r} cannot name AWS resources", "use letters, digits, - and _ (at most 56)")
    if "'" in topic or not topic:
        raise ReactlensError(
            f"topic filter {topic!r} cannot go into the rule's SQL", "use a filter such as reactlens/#"
        )
    prefix = prefix.lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    iam, firehose, iot, s3 = client("iam"), client("firehose"), client("iot"), client("s3")
    step = f"find bucket {bucket}"
    try:
        s3.head_bucket(Bucket=bucket)
        step = "create the roles (needs iam:CreateRole, iam:PutRolePolicy)"
        bucket_arn = f"arn:aws:s3:::{bucket}"
        firehose_role = _role(
            iam,
            f"{name}-firehose",
            "firehose.amazonaws.com",
            _allow(
                ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket"],
                [bucket_arn, f"{bucket_arn}/{prefix}*"],
            ),
        )
        step = "create the delivery stream (needs firehose:CreateDeliveryStream)"
        with contextlib.suppress(firehose.exceptions.ResourceInUseException):  # made by an earlier run
            firehose.create_delivery_stream(
                DeliveryStreamName=name,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": firehose_role,
                    "BucketARN": bucket_arn,
                    "Prefix": prefix,
                    "ErrorOutputPrefix": f"{prefix}errors/",
                    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": int(buffer_s)},
                    "CompressionFormat": "GZIP",
                },
            )
        stream_arn = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "DeliveryStreamARN"
        ]
        iot_role = _role(
            iam,
            f"{name}-iot",
            "iot.amazonaws.com",
            _allow(["firehose:PutRecord", "firehose:PutRecordBatch"], [stream_arn]),
        )
        step = "create the topic rule (needs iot:CreateTopicRule, iam:PassRole)"
        rule_name = name.replace("-", "_")
        payload = {
            "sql": f"SELECT * FROM '{topic}'",
            "awsIotSqlVersion": SQL_VERSION,
            "description": f"reactlens records from {topic} to s3://{bucket}/{prefix}",
            "ruleDisabled": False,
            "actions": [{"firehose": {"roleArn": iot_role, "deliveryStreamName": name, "separator": "\n"}}],
        }
        try:
            iot.create_topic_rule(ruleName=rule_name, topicRulePayload=payload)
        except iot.exceptions.ResourceAlreadyExistsException:
            iot.replace_topic_rule(ruleName=rule_name, topicRulePayload=payload)
        rule_arn = iot.get_topic_rule(ruleName=rule_name)["ruleArn"]
    except ReactlensError:
        raise
    except Exception as exc:
        if step.startswith("find bucket"):
            raise problem(exc, bucket, "write records") from None
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise ReactlensError(
            f"AWS refused to {step} ({code})",
            "use credentials that may (AWS_PROFILE), in the region of the IoT endpoint (AWS_REGION)",
        ) from None
    return Route(rule_name, rule_arn, stream_arn, iot_role, firehose_role, f"s3://{bucket}/{prefix}")
