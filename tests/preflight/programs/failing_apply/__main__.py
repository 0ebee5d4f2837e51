"""Fails on purpose: the gate must name the first exception and this file's line, in one message."""

import pulumi
import pulumi_aws as aws

mode = pulumi.Config().require("mode")


def settings():
    try:
        return {}["dbName"]
    except KeyError as error:
        raise RuntimeError("invalid settings") from error


bucket = aws.s3.Bucket("assets")
if mode == "apply":
    bucket.arn.apply(lambda arn: int(arn.rsplit(":", 1)[-1]))
else:
    settings()
