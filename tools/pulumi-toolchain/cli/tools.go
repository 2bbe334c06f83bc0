//go:build tools

// Package cli only records the Pulumi CLI's main package, so that go.mod and go.sum hold its whole
// module graph; build.sh builds it.
package cli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
