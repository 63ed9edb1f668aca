// Command cairn is a declarative system manager: it evaluates Nix-language
// configurations, builds them into a Nix-compatible store and switches the
// machine to the result.
package main

import (
	"os"

	"cairn.dev/cairn/internal/cli"
)

func main() { os.Exit(cli.Main()) }
