package sandbox

import (
	"sort"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/store/nixhash"
)

// The fixed places inside every sandbox, as Nix 2.8 has them.
const (
	BuildDir = "/build"            // NIX_BUILD_TOP, TMPDIR and the working directory
	HomeDir  = "/homeless-shelter" // HOME: a directory that does not exist
)

// environ computes the builder's environment as Nix 2.8's
// LocalDerivationGoal::initEnv does, in this order, later entries winning:
// PATH, HOME, NIX_STORE and NIX_BUILD_CORES; the derivation's variables
// (those named in passAsFile become NAMEPath, pointing at a file in the
// build directory); NIX_BUILD_TOP, TMPDIR, TEMPDIR, TMP, TEMP and PWD; for
// fixed-output derivations NIX_OUTPUT_CHECKED and the impureEnvVars taken
// from the host; NIX_LOG_FD and TERM. It returns the NAME=VALUE list,
// sorted, and the passAsFile files to write into the build directory.
func environ(spec *Spec, hostEnv func(string) string) ([]string, map[string][]byte) {
	env := map[string]string{
		"PATH":            "/path-not-set",
		"HOME":            HomeDir,
		"NIX_STORE":       spec.StoreDir,
		"NIX_BUILD_CORES": strconv.Itoa(spec.Cores),
	}
	files := map[string][]byte{}
	passAsFile := map[string]bool{}
	for _, name := range strings.Fields(spec.Env["passAsFile"]) {
		passAsFile[name] = true
	}
	for k, v := range spec.Env {
		if !passAsFile[k] {
			env[k] = v
			continue
		}
		fn := ".attr-" + nixhash.Sum(nixhash.SHA256, []byte(k)).Base32()
		files[fn] = []byte(v)
		env[k+"Path"] = BuildDir + "/" + fn
	}
	env["NIX_BUILD_TOP"] = BuildDir
	for _, k := range []string{"TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"} {
		env[k] = BuildDir
	}
	if spec.Network {
		env["NIX_OUTPUT_CHECKED"] = "1"
		for _, k := range strings.Fields(spec.Env["impureEnvVars"]) {
			env[k] = hostEnv(k)
		}
	}
	env["NIX_LOG_FD"] = "2"
	env["TERM"] = "xterm-256color"

	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list := make([]string, len(keys))
	for i, k := range keys {
		list[i] = k + "=" + env[k]
	}
	return list, files
}
