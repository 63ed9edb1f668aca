package cli_test

import (
	"os"
	"testing"

	"cairn.dev/cairn/internal/build/builtin"
	"cairn.dev/cairn/internal/build/sandbox"
	"cairn.dev/cairn/internal/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain registers the cairn command so that scripts run the real CLI
// in-process (testscript re-executes the test binary as `cairn`).
func TestMain(m *testing.M) {
	sandbox.InitBuiltins(builtin.Sandboxed) // builds re-execute the test binary as the sandbox's init
	testscript.Main(m, map[string]func(){
		"cairn": func() { os.Exit(cli.Main()) },
	})
}

// TestScript runs testdata/script/*.txtar; CAIRN_UPDATE=1 rewrites the
// expected outputs (cmp files) from what the commands print.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("CAIRN_UPDATE") == "1",
		Condition:     scriptCondition,
	})
}
