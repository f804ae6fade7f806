"""lambda-netkit components.

Kept free of imports on purpose: the policy pack imports the pure helpers (`components.capacity`,
`components.cost`) without loading Pulumi resource code. Import the component modules directly, for example
`from components.network import LambdaNetwork`.
"""
