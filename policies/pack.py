"""Wires the pure rules into pulumi-policy: policy metadata, config schemas, and preview-safe value access.

pulumi-policy wraps properties in a proxy that raises on the first unknown value, which aborts a whole stack
policy (reported only as advisory "can't run during preview"). We unwrap the proxies into plain values with an
`UNKNOWN` sentinel instead, so every rule decides per resource and reports exactly what it could not decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _is_unknown

from policies.graph import FUNCTION, UNKNOWN, Graph, Res
from policies.rules import STACK_RULES, Outcome, lambda_env_secrets, reserved_concurrency_problem

PACK_NAME = "lambda-netkit"
M, A = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


def plain(value: Any) -> Any:
    """pulumi-policy proxies -> plain dicts/lists, unknowns -> UNKNOWN (never raises)."""
    if isinstance(value, Mapping):
        target = value["__target"] if _has_target(value) else value
        return {k: plain(target[k]) for k in target}
    if isinstance(value, list | tuple) or type(value).__name__ == "_ListProxy":
        target = value["__target"] if type(value).__name__ == "_ListProxy" else value
        return [plain(v) for v in target]
    if _is_unknown(value):
        return UNKNOWN
    return value


def _has_target(value: Mapping[str, Any]) -> bool:
    return type(value).__name__ == "_DictProxy"


def to_res(resource: Any) -> Res:
    deps = {k: [d.urn for d in v] for k, v in (resource.property_dependencies or {}).items()}
    parent = resource.parent.urn if getattr(resource, "parent", None) is not None else ""
    return Res(resource.urn, resource.resource_type, resource.name, plain(resource.props), deps, parent)


def _config(args: Any) -> dict[str, Any]:
    return dict(args.get_config() or {})


def stack_policy(
    name: str,
    description: str,
    level: EnforcementLevel,
    severity: Severity,
    remediation: str,
    schema: dict[str, dict[str, Any]] | None = None,
) -> StackValidationPolicy:
    rule: Callable[[Graph, Mapping[str, Any]], Outcome] = STACK_RULES[name]

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        graph = Graph(to_res(r) for r in args.resources)
        outcome = rule(graph, _config(args))
        for urn, message in outcome.violations:
            report_violation(message, urn)
        if outcome.undecided:
            reasons = sorted(set(outcome.undecided))
            args.not_applicable("cannot decide during preview: " + "; ".join(reasons))

    return StackValidationPolicy(
        name=name,
        description=description,
        enforcement_level=level,
        severity=severity,
        validate=validate,
        remediation_steps=remediation,
        config_schema=PolicyConfigSchema(properties=schema or {}),
    )


def _env_secrets(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != FUNCTION:
        return
    for message in lambda_env_secrets(plain(args.props), _config(args)):
        report_violation(message, None)


def _reserved_concurrency(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != FUNCTION:
        return
    problem = reserved_concurrency_problem(plain(args.props))
    if problem:
        report_violation(problem, None)


CAPACITY_SCHEMA = {
    "connectionsPerInvocation": {"type": "integer", "minimum": 1, "default": 1},
    "churnFactor": {"type": "number", "minimum": 1, "default": 2},
    "accountConcurrency": {"type": "integer", "minimum": 1, "default": 1000},
}


def policies() -> list[Any]:
    return [
        stack_policy(
            "lambda-vpc-egress-path",
            "Every subnet of a VPC Lambda routes 0.0.0.0/0 to a NAT gateway that itself reaches an internet gateway "
            "(or uses the Hyperplane-ENI EIP pattern); attaching a function to a VPC removes its internet access.",
            M,
            Severity.HIGH,
            "Use NatEgress (nat-single/nat-per-az) with the NAT in a public subnet; in dev HyperplaneEipEgress; tag "
            "the function netkit:egress=none if it needs no internet.",
            {"allowTransitGateway": {"type": "boolean", "default": True}},
        ),
        stack_policy(
            "vpc-gateway-endpoints",
            "A VPC hosting Lambdas has S3 and DynamoDB gateway endpoints on the Lambda subnets' route tables "
            "(free; keeps that traffic off the NAT).",
            M,
            Severity.MEDIUM,
            "Add VpcEndpoints with route_table_ids = the Lambda route tables.",
            {"services": {"type": "array", "items": {"type": "string"}}},
        ),
        ResourceValidationPolicy(
            name="lambda-env-no-secrets",
            description="No secret values in Lambda environment variables (they are readable by anyone who can "
            "read the function's configuration); hold Secrets Manager ARNs or SSM names instead.",
            enforcement_level=M,
            severity=Severity.CRITICAL,
            validate=_env_secrets,
            remediation_steps="Store the value in Secrets Manager or SSM Parameter Store and pass VpcFunctionArgs."
            "secrets={'VAR': SecretRef('secretsmanager', secret.arn)}.",
            config_schema=PolicyConfigSchema(
                properties={"allowPatterns": {"type": "array", "items": {"type": "string"}}}
            ),
        ),
        stack_policy(
            "lambda-subnet-capacity",
            "Each Lambda subnet has room for its Hyperplane ENIs: one per subnet x security-group combination "
            "(per 65,000 connections), plus endpoint and NAT ENIs, times a churn factor.",
            M,
            Severity.HIGH,
            "Let LambdaNetwork size the Lambda subnets from a CapacityPlan, or use larger CIDRs.",
            CAPACITY_SCHEMA,
        ),
        stack_policy(
            "interface-endpoint-private-dns",
            "Interface endpoints have private DNS on, in a VPC with DNS support and DNS hostnames on.",
            M,
            Severity.HIGH,
            "private_dns_enabled=True; enable_dns_support and enable_dns_hostnames on the VPC.",
        ),
        stack_policy(
            "security-group-no-world-ingress",
            "No 0.0.0.0/0 or ::/0 ingress on security groups of Lambdas or VPC endpoints.",
            M,
            Severity.HIGH,
            "Admit traffic from the calling security group (referenced_security_group_id).",
        ),
        stack_policy(
            "lambda-multi-az",
            "A VPC Lambda's subnets span at least 2 availability zones.",
            A,
            Severity.MEDIUM,
            "Give the function one Lambda subnet per AZ (LambdaNetwork az_count >= 2).",
            {"minimumAzs": {"type": "integer", "minimum": 1, "default": 2}},
        ),
        stack_policy(
            "nat-gateway-per-az",
            "Each AZ with Lambda subnets egresses through a NAT gateway in the same AZ.",
            A,
            Severity.MEDIUM,
            "Use the nat-per-az egress strategy.",
        ),
        ResourceValidationPolicy(
            name="lambda-reserved-concurrency",
            description="VPC Lambdas set reserved concurrency (protects databases and rate-limited APIs).",
            enforcement_level=A,
            severity=Severity.MEDIUM,
            validate=_reserved_concurrency,
            remediation_steps="Set VpcFunctionArgs.reserved_concurrency.",
        ),
        stack_policy(
            "hyperplane-eip-dev-only",
            "The Hyperplane-ENI Elastic IP trick is not used outside allowed environments.",
            M,
            Severity.HIGH,
            "Use NatEgress outside dev.",
            {"allowedEnvironments": {"type": "array", "items": {"type": "string"}}, "environment": {"type": "string"}},
        ),
        stack_policy(
            "vpc-flow-logs",
            "VPCs hosting Lambdas have flow logs (to spot unexpected outbound connections such as SSRF).",
            A,
            Severity.LOW,
            "LambdaNetworkArgs(flow_logs=True), the default.",
        ),
    ]


def build_pack() -> PolicyPack:
    """Constructing a PolicyPack starts its gRPC server and blocks: call only as the pack's entry point."""
    return PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=A)
