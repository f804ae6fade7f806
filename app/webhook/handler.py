"""Reference webhook receiver: the vendor calls back through API Gateway (or the static ingress IPs);
the payload is queued for the worker so the receiver answers fast."""

import os

import boto3


def handler(event, _context):
    body = event.get("body") or ""
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
    return {"statusCode": 202, "body": "queued"}
