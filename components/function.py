"""A VPC Lambda function with an explicit security group, reserved concurrency and secrets kept out of env vars.

Seeds 000/002/003: the function's security group admits nothing and lets out only what is named (HTTPS to the
interface endpoints, the database port to the database's group, HTTPS to the internet only when egress is on),
with the matching ingress rule written on the target's group so both sides say why; reserved concurrency is
required because Lambda scales to 1,000 concurrent executions by default and would open as many database
connections or blow a vendor's rate limit; credentials live in Secrets Manager or SSM and the variable holds
only the reference, with read permission granted on exactly that secret;
`replace_security_groups_on_destroy` detaches the group first so a destroy does not wait on Lambda ENIs.
`ipv6_egress` sets `ipv6_allowed_for_dual_stack` (Lambda keeps outbound IPv6 off in dual-stack subnets unless
asked) and adds the IPv6 twin of the HTTPS egress rule, so IPv6-capable destinations leave through the free
egress-only internet gateway instead of the NAT. Provider functions run with `parent=self`, so an explicit
provider given to the component decides account and region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
from netkit_core.capacity import PlanError
from netkit_core.secret_detection import scan_environment

from .common import child_opts, merge_tags
from .egress import EGRESS_TAG

VPC_ACCESS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@dataclass(frozen=True)
class SecretRef:
    """A secret the function reads at run time: a Secrets Manager ARN, or an SSM parameter name."""

    kind: Literal["secretsmanager", "ssm"]
    reference: pulumi.Input[str]


@dataclass(frozen=True)
class DatabaseAccess:
    security_group_id: pulumi.Input[str]
    port: int = 5432


@dataclass(frozen=True)
class VpcFunctionArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    code: pulumi.Archive
    reserved_concurrency: int
    handler: str = "handler.handler"
    runtime: str = "python3.12"
    memory_size: int = 256
    timeout: int = 30
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, SecretRef] = field(default_factory=dict)
    egress_enabled: bool = False
    ipv6_egress: bool = False  # the subnets must be dual-stack (LambdaNetworkArgs.ipv6)
    endpoint_security_group_id: pulumi.Input[str] | None = None
    database: DatabaseAccess | None = None
    security_group_id: pulumi.Input[str] | None = None  # share an existing group: reuses its Hyperplane ENIs
    consume_queue_arn: pulumi.Input[str] | None = None
    send_queue_arns: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def validate_function_args(name: str, args: VpcFunctionArgs) -> None:
    if not args.subnet_ids:
        raise PlanError(f"function {name}: subnet_ids is empty; give the Lambda subnets (one per AZ, at least 2)")
    if args.reserved_concurrency < 1:
        raise PlanError(
            f"function {name}: reserved_concurrency is {args.reserved_concurrency}; set a positive limit so a burst "
            "cannot open 1,000 database connections or exhaust a vendor's rate limit"
        )
    clash = sorted(set(args.environment) & set(args.secrets))
    if clash:
        raise PlanError(f"function {name}: {', '.join(clash)} given both as environment and as secret")
    findings = scan_environment(args.environment)
    if findings:
        raise PlanError(f"function {name}: " + "; ".join(f.message() for f in findings))
    for var, ref in args.secrets.items():
        if ref.kind not in ("secretsmanager", "ssm"):
            raise PlanError(f"function {name}: secret {var} has kind {ref.kind!r}; use 'secretsmanager' or 'ssm'")
        if isinstance(ref.reference, str):
            if ref.kind == "secretsmanager" and not ref.reference.startswith("arn:"):
                raise PlanError(f"function {name}: secret {var} must be a Secrets Manager ARN")
            if ref.kind == "ssm" and not ref.reference.startswith("/"):
                raise PlanError(f"function {name}: secret {var} must be an SSM parameter name starting with '/'")
    if args.ipv6_egress and not args.egress_enabled:
        raise PlanError(f"function {name}: ipv6_egress opens internet access over IPv6; it needs egress_enabled")
    if args.security_group_id is not None and (args.endpoint_security_group_id is not None or args.database):
        raise PlanError(
            f"function {name}: with a shared security_group_id the rules belong to whoever owns that group; "
            "drop endpoint_security_group_id/database here"
        )


def _policy(statements: list[dict[str, object]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class VpcFunction(pulumi.ComponentResource):
    """Lambda + role + its own security group (or a shared one) + optional SQS event source."""

    function: aws.lambda_.Function
    function_name: pulumi.Output[str]
    role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup | None
    security_group_id: pulumi.Output[str]
    security_group_ids: list[pulumi.Output[str]]
    subnet_ids: list[pulumi.Input[str]]

    def __init__(self, name: str, args: VpcFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_function_args(name, args)
        super().__init__("netkit:function:VpcFunction", name, None, opts)
        tags = merge_tags(args.tags, **{EGRESS_TAG: "static" if args.egress_enabled else "none"})
        self.subnet_ids = list(args.subnet_ids)

        self.security_group = None
        if args.security_group_id is None:
            self.security_group = self._security_group(name, args, tags)
            self.security_group_id = self.security_group.id
        else:
            self.security_group_id = pulumi.Output.from_input(args.security_group_id)
        self.security_group_ids = [self.security_group_id]

        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=_policy(
                [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
            ),
            tags=tags,
            opts=child_opts(self),
        )
        vpc_access = aws.iam.RolePolicyAttachment(
            f"{name}-vpc-access", role=self.role.name, policy_arn=VPC_ACCESS_POLICY_ARN, opts=child_opts(self)
        )
        grants = self._grants(name, args)

        env: dict[str, pulumi.Input[str]] = dict(args.environment)
        env.update({var: ref.reference for var, ref in args.secrets.items()})
        self.function = aws.lambda_.Function(
            f"{name}-fn",
            role=self.role.arn,
            runtime=args.runtime,
            handler=args.handler,
            code=args.code,
            memory_size=args.memory_size,
            timeout=args.timeout,
            reserved_concurrent_executions=args.reserved_concurrency,
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=self.subnet_ids,
                security_group_ids=self.security_group_ids,
                ipv6_allowed_for_dual_stack=True if args.ipv6_egress else None,
            ),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=env) if env else None,
            replace_security_groups_on_destroy=True,
            tags=tags,
            opts=child_opts(self, depends_on=[vpc_access, *grants]),
        )
        self.function_name = self.function.name
        if args.consume_queue_arn is not None:
            aws.lambda_.EventSourceMapping(
                f"{name}-queue",
                event_source_arn=args.consume_queue_arn,
                function_name=self.function.arn,
                batch_size=10,
                opts=child_opts(self),
            )
        self.register_outputs({"function_name": self.function_name, "security_group_id": self.security_group_id})

    def _security_group(self, name: str, args: VpcFunctionArgs, tags: dict[str, str]) -> aws.ec2.SecurityGroup:
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description=f"Lambda {name}: no ingress, explicit egress",
            tags=merge_tags(tags, Name=f"{name}-lambda"),
            opts=child_opts(self),
        )
        if args.endpoint_security_group_id is not None:
            self._link(name, "endpoints", group, args.endpoint_security_group_id, 443)
        if args.database is not None:
            self._link(name, "database", group, args.database.security_group_id, args.database.port)
        if args.egress_enabled:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-https-out",
                security_group_id=group.id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="HTTPS to external APIs through the static egress IP",
                opts=child_opts(self),
            )
        if args.egress_enabled and args.ipv6_egress:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-https-out-ipv6",
                security_group_id=group.id,
                cidr_ipv6="::/0",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="HTTPS to external APIs over IPv6 (egress-only internet gateway, or NAT64 with DNS64)",
                opts=child_opts(self),
            )
        return group

    def _link(self, name: str, what: str, group: aws.ec2.SecurityGroup, target: pulumi.Input[str], port: int) -> None:
        """Egress on our group and the matching ingress on the target's group: both sides explicit (seed 003)."""
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-{what}",
            security_group_id=group.id,
            referenced_security_group_id=target,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{what} on {port}",
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-lambda-to-{what}",
            security_group_id=target,
            referenced_security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"from Lambda {name}",
            opts=child_opts(self),
        )

    def _grants(self, name: str, args: VpcFunctionArgs) -> list[aws.iam.RolePolicy]:
        """Least privilege: read exactly the referenced secrets, use exactly the named queues."""
        statements: list[pulumi.Output[dict[str, object]]] = []
        secret_arns = [r.reference for r in args.secrets.values() if r.kind == "secretsmanager"]
        if secret_arns:
            statements.append(
                pulumi.Output.all(*secret_arns).apply(
                    lambda arns: {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": arns}
                )
            )
        params = [r.reference for r in args.secrets.values() if r.kind == "ssm"]
        if params:
            invoke = pulumi.InvokeOptions(parent=self)  # the component's provider decides account and region
            identity = aws.get_caller_identity(opts=invoke)
            region = aws.get_region(opts=invoke).region
            statements.append(
                pulumi.Output.all(*params).apply(
                    lambda names: {
                        "Effect": "Allow",
                        "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                        "Resource": [f"arn:aws:ssm:{region}:{identity.account_id}:parameter{n}" for n in names],
                    }
                )
            )
        if args.consume_queue_arn is not None:
            statements.append(
                pulumi.Output.from_input(args.consume_queue_arn).apply(
                    lambda arn: {
                        "Effect": "Allow",
                        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                        "Resource": [arn],
                    }
                )
            )
        if args.send_queue_arns:
            statements.append(
                pulumi.Output.all(*args.send_queue_arns).apply(
                    lambda arns: {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": arns}
                )
            )
        if not statements:
            return []
        return [
            aws.iam.RolePolicy(
                f"{name}-access",
                role=self.role.id,
                policy=pulumi.Output.all(*statements).apply(lambda s: _policy(list(s))),
                opts=child_opts(self),
            )
        ]
