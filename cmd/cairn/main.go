// Command cairn is a declarative system manager: it evaluates Nix-language
// configurations, builds them into a Nix-compatible store and switches the
// machine to the result.
package main

import (
	"os"

	"cairn.dev/cairn/internal/build/builtin"
	"cairn.dev/cairn/internal/build/sandbox"
	"cairn.dev/cairn/internal/cli"
)

func main() {
	sandbox.InitBuiltins(builtin.Sandboxed) // a build sandbox's init does not return
	os.Exit(cli.Main())
}
