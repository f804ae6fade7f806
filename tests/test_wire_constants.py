"""The wire constants we copy (the engine shim must run on the stdlib and the program's own SDK, and the checker
avoids importing the whole SDK) are exactly the Pulumi SDK's: a drift would silently turn unknowns into values."""

from __future__ import annotations

from pulumi.runtime import rpc

from automation.offline import protos
from automation.provider_model import wire


def test_copied_wire_constants_match_the_pulumi_sdk() -> None:
    assert protos.UNKNOWN_WIRE == rpc.UNKNOWN
    assert wire.UNKNOWN == rpc.UNKNOWN
    assert rpc._special_sig_key == wire.SIG_KEY
    assert rpc._special_secret_sig == wire.SECRET_SIG
    assert rpc._special_resource_sig == wire.RESOURCE_SIG
    assert rpc._special_output_value_sig == wire.OUTPUT_SIG
