"""lambda-netkit's pure model and policy rules, shipped inside the policy pack directory.

The pack directory (`policies/`) is what `pulumi policy publish` uploads, so everything the pack runs lives here:
the resource-graph view (`graph`), one module per rule (`rules/`), and the pure models the components share with
the rules (`capacity`, `secret_detection`, `cost`, `enis`). Only `pack` imports pulumi-policy.
"""
