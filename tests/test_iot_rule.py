"""``reactlens iot rule`` against moto's AWS, and ``reactlens report`` on what Firehose lands in S3."""

from __future__ import annotations

import csv
import gzip
import json

import boto3
import pytest

from reactlens.messages import encode_record, message
from reactlens.records import Record, RoomRecord, csv_header, csv_row

from .conftest import assert_one_line_error, run_cli


@pytest.fixture
def aws(aws_server, monkeypatch):
    for name, value in aws_server.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3").create_bucket(Bucket="fleet", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return aws_server


def test_the_rule_routes_the_records_topic_through_firehose_into_the_bucket(aws):
    result = run_cli("iot", "rule", "--bucket", "fleet", "--prefix", "theatres/", env=aws)
    assert result.returncode == 0, result.stderr
    assert "read it with: reactlens report s3://fleet/theatres/" in result.stdout
    rule = boto3.client("iot").get_topic_rule(ruleName="reactlens_fleet")["rule"]
    assert rule["sql"] == "SELECT * FROM 'reactlens/#'" and not rule["ruleDisabled"]
    [action] = rule["actions"]
    assert action["firehose"]["deliveryStreamName"] == "reactlens-fleet" and action["firehose"]["separator"] == "\n"
    stream = boto3.client("firehose").describe_delivery_stream(DeliveryStreamName="reactlens-fleet")
    [destination] = stream["DeliveryStreamDescription"]["Destinations"]
    s3 = destination["ExtendedS3DestinationDescription"]
    assert s3["BucketARN"] == "arn:aws:s3:::fleet" and s3["Prefix"] == "theatres/"
    iam = boto3.client("iam")
    iot_role = iam.get_role(RoleName="reactlens-fleet-iot")["Role"]
    assert action["firehose"]["roleArn"] == iot_role["Arn"]
    assert "iot.amazonaws.com" in json.dumps(iot_role["AssumeRolePolicyDocument"])
    policy = iam.get_role_policy(RoleName="reactlens-fleet-iot", PolicyName="reactlens")["PolicyDocument"]
    [statement] = (policy if isinstance(policy, dict) else json.loads(policy))["Statement"]
    assert statement["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert statement["Resource"] == [stream["DeliveryStreamDescription"]["DeliveryStreamARN"]]
    again = run_cli("iot", "rule", "--bucket", "fleet", "--prefix", "theatres/", env=aws)
    assert again.returncode == 0 and again.stdout == result.stdout  # a second run updates in place


def records(session: str, viewers: int, seconds: int):
    out = []
    for frame in range(seconds * 5):
        for face in range(viewers):
            smile = 0.95 if frame >= 10 * (face + 1) else 0.05
            scores = {"neutral": round(1 - smile, 4), "smile": smile}
            label = max(scores, key=scores.__getitem__)
            out.append(Record(session, frame, frame / 5, face, 1, 1, 9, 9, smile, label, scores, media="Film"))
    return out


def test_the_report_reads_what_firehose_lands_in_s3(aws, tmp_path):
    s3 = boto3.client("s3")
    by_camera = {"cam-1": records("s1", 3, 12), "cam-2": records("s2", 2, 12)}
    room = [RoomRecord("s1", 4.8, "laughter", 0.9, 1, "Film")]
    with open(tmp_path / "same.csv", "w", newline="") as handle:  # the same records as one CSV, for comparison
        writer = csv.writer(handle)
        writer.writerow(csv_header(("neutral", "smile")))
        for rows in by_camera.values():
            writer.writerows(csv_row(r, ("neutral", "smile")) for r in rows)
    for n, (camera, rows) in enumerate(by_camera.items()):
        bodies = [encode_record(r.to_dict()) for r in rows] + ([encode_record(room[0].to_dict())] if n == 0 else [])
        lines = b"".join(message(bodies[i : i + 40], camera) + b"\n" for i in range(0, len(bodies), 40))
        # what the rule's Firehose action writes: messages, one per line, gzipped (one object per buffer)
        s3.put_object(Bucket="fleet", Key=f"theatres/2026/11/25/07/reactlens-fleet-{n}.gz", Body=gzip.compress(lines))
        s3.put_object(Bucket="fleet", Key=f"theatres/errors/failed-{n}", Body=b"{not json")
    lake = run_cli("report", "s3://fleet/theatres/", "--out", str(tmp_path / "lake"), env=aws)
    assert lake.returncode == 0, lake.stderr
    local = run_cli("report", str(tmp_path / "same.csv"), "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    assert (tmp_path / "lake" / "reaction.csv").read_text() == (tmp_path / "local" / "reaction.csv").read_text()
    summary = json.loads((tmp_path / "lake" / "summary.json").read_text())
    assert summary["totals"]["viewers"] == 5 and summary["room"] != "no room sound: laughs are a visual estimate"


def test_a_missing_bucket_is_named(aws, tmp_path):
    assert_one_line_error(run_cli("iot", "rule", "--bucket", "no-such-bucket", env=aws), "no-such-bucket")
    assert_one_line_error(
        run_cli("report", "s3://no-such-bucket/x/", "--out", str(tmp_path), env=aws), "bucket no-such-bucket"
    )
