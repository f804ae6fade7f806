"""Reference worker: consumes SQS, reads DB credentials from Secrets Manager by ARN, calls the vendor API.

The credentials are fetched at run time (through the Secrets Manager interface endpoint where there is one) and
cached for the life of the execution environment; the environment variable holds only the secret's ARN.
"""

import json
import os
import urllib.request

import boto3

_secret_cache: dict = {}


def _db_credentials() -> dict:
    arn = os.environ["DB_SECRET_ARN"]
    if arn not in _secret_cache:
        value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        _secret_cache[arn] = json.loads(value)
    return _secret_cache[arn]


def handler(event, _context):
    vendor = os.environ.get("VENDOR_API_URL", "")
    processed = 0
    for record in event.get("Records", []):
        body = record.get("body", "")
        if vendor:
            request = urllib.request.Request(vendor, data=body.encode(), method="POST")
            with urllib.request.urlopen(request, timeout=10):  # leaves through the static egress IP
                pass
        processed += 1
    return {"processed": processed, "has_credentials": bool(_db_credentials()) if processed else False}
