//go:build tools

// Package tools pins the Pulumi CLI as a Go dependency of lambda-netkit's test bed.
//
// `tools/build-pulumi-cli` builds github.com/pulumi/pulumi/pkg/v3/cmd/pulumi from this module. pkg/v3's own go.mod
// has path `replace` lines (sdk/v3 => ../sdk), so `go install ...@version` refuses it; as a dependency of this module
// those replaces are ignored and sdk/v3 resolves to the same tagged version. The one non-path replace of pkg/v3's
// go.mod (atotto/clipboard => tgummerer/clipboard) is copied below in go.mod.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
