"""Secret detection (never echoes a value): the labelled table of realistic environment variables
(tests/data/env_vars.py) with its precision and recall, and the shapes issue 8 names."""

from __future__ import annotations

import pytest
from netkit_core.graph import UNKNOWN, is_unknown
from netkit_core.secret_detection import (
    MarkedSecret,
    cannot_be_secret,
    is_reference,
    is_secret_name,
    scan_environment,
    scan_value,
    undecided_variables,
)

from tests.data.env_vars import BENIGN, ROWS, SECRET, Row


def _judge(row: Row) -> bool:
    value = MarkedSecret(row.value) if row.marked else row.value
    return scan_value(row.name, value) is not None


def test_labelled_table_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(ROWS) >= 200 and len(BENIGN) >= 100 and len(SECRET) >= 100
    flagged = {i for i, row in enumerate(ROWS) if _judge(row)}
    true_positives = sum(1 for i in flagged if ROWS[i].secret)
    false_positives = [ROWS[i].name for i in sorted(flagged) if not ROWS[i].secret]
    missed = [row.name for i, row in enumerate(ROWS) if row.secret and i not in flagged]
    precision = true_positives / len(flagged)
    recall = true_positives / len(SECRET)
    with capsys.disabled():
        print(
            f"\nsecret table: {len(ROWS)} variables ({len(BENIGN)} benign, {len(SECRET)} secret): "
            f"precision {precision:.3f}, recall {recall:.3f}, false positives {len(false_positives)}, "
            f"missed {len(missed)} ({', '.join(missed) or 'none'})"
        )
    assert false_positives == []
    assert recall >= 0.98


@pytest.mark.parametrize("row", [r for r in ROWS if r.secret], ids=lambda r: r.name)
def test_findings_name_the_variable_never_the_value(row: Row) -> None:
    finding = scan_value(row.name, MarkedSecret(row.value) if row.marked else row.value)
    if finding is None:
        pytest.skip("a known miss of the table (counted in the recall)")
    message = finding.message()
    assert row.name in message
    assert row.value not in message and (len(row.value) < 8 or row.value[:8] not in message)


@pytest.mark.parametrize(
    "name",
    [
        "TOKEN_TTL_SECONDS",
        "PASSWORD",
        "API_KEY",
        "SECRET",
        "DB_PASSWORD",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        "3600",
        "0.5",
        "true",
        "False",
        "30s",
        "5m",
        "250ms",
        "PT1H",
        "512MB",
        "2GiB",
        "INFO",
        "debug",
        "2773",
        "https://api.example.com/v1/orders",
        "arn:aws:sqs:us-east-1:123456789012:orders",
        "/prod/db/password",
        "prod/orders/db-credentials",
        "orders-table",
        "10.0.0.0/16",
        "::/0",
        "ops@example.com",
        "db.example.com",
    ],
)
def test_values_that_cannot_be_a_credential_whatever_the_name(name: str, value: str) -> None:
    assert cannot_be_secret(value)
    assert scan_value(name, value) is None


def test_urls_with_a_password_and_no_user_are_secrets() -> None:
    assert scan_value("CACHE", "redis://:" + "tok3nValue" + "@cache.internal:6379") is not None
    assert scan_value("CACHE", "redis://cache.internal:6379") is None


def test_program_marked_secrets_are_findings_even_unknown_but_references_are_fine() -> None:
    assert scan_value("GREETING", MarkedSecret("hello")) is not None
    assert scan_value("LATER", MarkedSecret.unknown()) is not None
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
    assert scan_value("DB_SECRET_ARN", MarkedSecret(arn)) is None
    assert repr(MarkedSecret("hello")) == "<secret>"


def test_secret_named_unknown_values_are_undecided_others_not_concerned() -> None:
    variables = {"API_TOKEN": UNKNOWN, "TABLE": UNKNOWN, "TOKEN_TTL_SECONDS": UNKNOWN, "KEY": "x"}
    assert undecided_variables(variables, is_unknown) == ["API_TOKEN"]


def test_secret_names() -> None:
    assert is_secret_name("dbPassword") and is_secret_name("STRIPE_KEY") and is_secret_name("client-secret")
    assert not is_secret_name("DB_SECRET_ARN") and not is_secret_name("TOKEN_TTL_SECONDS")
    assert not is_secret_name("SIGNING_KEY_ID") and not is_secret_name("AUTH_MODE")


def test_extra_allow_patterns() -> None:
    assert not is_reference("vault:kv/app#key")
    assert is_reference("vault:kv/app#key", [r"vault:.*"])
    token = "q8Zr2LxP0vN7mK4tY1wB6sD9fH3jU5eC"
    assert scan_environment({"API_KEY": token}) != []
    assert scan_environment({"API_KEY": token}, [r"q8Zr.*"]) == []
