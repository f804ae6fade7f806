"""Lookups of existing infrastructure answered unknown in preview are named in the report, so a user knows which
fixture would let the pack decide what depends on them."""

from __future__ import annotations

from pathlib import Path

from automation.check import run_check


def test_unknown_lookups_are_named_in_the_notes(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: lookups\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        'import pulumi_aws as aws\nvpc = aws.ec2.get_vpc(default=True)\naws.ec2.SecurityGroup("sg", vpc_id=vpc.id)\n'
    )
    report = run_check(tmp_path, "dev", "preview")
    (note,) = [n for n in report.notes if n.startswith("lookups answered unknown")]
    assert "aws:ec2/getVpc:getVpc" in note and "--fixtures" in note
