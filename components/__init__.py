"""lambda-netkit components: one Pulumi ComponentResource per networking pattern.

Kept free of imports on purpose: import the component modules directly (`from components.network import
LambdaNetwork` in this repository, `from lambda_netkit.components.network import LambdaNetwork` when installed).
The pure models they share with the policy pack (capacity, secret detection, cost) live in `netkit_core`.
"""
