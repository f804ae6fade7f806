"""lambda-netkit CrossGuard policy pack: `graph` and `rules` are pure; `pack` wires them into pulumi-policy."""
