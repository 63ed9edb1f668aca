package oracle

import (
	"fmt"
	"strings"
	"time"
)

// CommandVar names the environment variable that points the cairn side of
// a differential test at an external command instead of the in-process
// CLI: "nix-instantiate --eval --readonly-mode" checks a harness against
// Nix itself, "/abs/path/bin/cairn eval" tests a built binary. The
// command must be absolute or a name on PATH: it runs in each case's folder.
const CommandVar = "CAIRN_EVAL_CMD"

// Select returns the runner for the cairn side of a test: an Exec of the
// command in cmd (the value of CommandVar, split on blanks) when it is set,
// otherwise the in-process fallback. The description says which was chosen.
func Select(cmd, path string, timeout time.Duration, fallback InProcess) (r Runner, description string) {
	if argv := strings.Fields(cmd); len(argv) > 0 {
		return Exec{Argv: argv, Path: path, Timeout: timeout}, fmt.Sprintf("external command %q", cmd)
	}
	fallback.Timeout = timeout
	return fallback, "cairn in-process (cli.Run)"
}
