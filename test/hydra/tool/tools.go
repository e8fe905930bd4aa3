//go:build tools

// Package tool pins Ory Hydra for the end-to-end suite. Its own module, so
// Hydra's many dependencies never reach the test module's go.mod; build with
// test/hydra/build.sh (go build -tags sqlite github.com/ory/hydra/v2).
package tool

import _ "github.com/ory/hydra/v2"
