"""Secret detection (never echoes a value)."""

import pytest
from netkit_core.secret_detection import is_reference, scan_environment, scan_value

AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"
SECRETS = {
    "AWS_KEY": AWS_KEY,
    "STRIPE": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "GH": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "SLACK": "xoxb-" + "1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "JWT": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "DB_URL": "postgres://app:" + "s3cretpw" + "@db.internal:5432/app",
    "PEM": "-----BEGIN RSA PRIVATE KEY-----",
    "VENDOR": "q8Zr2LxP0vN7mK4tY1wB6sD9fH3jU5eC",
    "DB_PASSWORD": "hunter2",
}
FINE = {
    "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    "PARAM_NAME": "/prod/db/password",
    "SSM_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/app/key",
    "LOG_LEVEL": "INFO",
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
    "REQUEST_ID": "3f2b8c1e-9d4a-4e6f-8b2c-1a5d7e9f0b3c",
    "TABLE": "orders-table",
    "API_TOKEN_SECRET_NAME": "vendor/api-token",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_detects_secret_and_never_echoes_it(name: str) -> None:
    finding = scan_value(name, SECRETS[name])
    assert finding is not None
    message = finding.message()
    assert name in message
    assert SECRETS[name] not in message and SECRETS[name][:6] not in message


@pytest.mark.parametrize("name", sorted(FINE))
def test_references_and_plain_settings_are_fine(name: str) -> None:
    assert scan_value(name, FINE[name]) is None


def test_extra_allow_patterns() -> None:
    assert not is_reference("vault:kv/app#key")
    assert is_reference("vault:kv/app#key", [r"vault:.*"])
    assert scan_environment({"X": "q8Zr2LxP0vN7mK4tY1wB6sD9fH3jU5eC"}, [r"q8Zr.*"]) == []
