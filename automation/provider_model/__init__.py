"""The resource provider's model: what a real provider does with a resource's inputs and what it answers, in one
place for both engines (DESIGN.md section 9).

- `check`: the inputs a provider's Check returns (documented defaults, autonaming, `tagsAll`, JSON documents given
  as objects serialized to strings), as pulumi-aws over pulumi-terraform-bridge does it;
- `planned_state`: the outputs of Create: in a preview the checked inputs plus every computed output unknown, in an
  update deterministic ids, ARNs, addresses and the documented values of computed attributes;
- `diff`: Diff's changes and replace decisions;
- `zones`: an update's AZ values: the form the program gave, the other only from the fixtures' mapping (issue 17);
- `sdk_types`: which properties a type has and which are computed, read from the provider's Python SDK classes;
- `policy_document`: `aws.iam.getPolicyDocument` computed exactly;
- `wire`: the wire form of property values (unknown sentinel, secret and resource signatures).

Pure standard library with relative imports only: the in-process engine's shim loads this package by path, under a
private name, inside the program's own interpreter (automation/offline/shim/run.py), and the offline provider
(automation/offline_provider) imports it normally.
"""
