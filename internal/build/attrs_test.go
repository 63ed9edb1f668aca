package build

import (
	"encoding/json"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/store/derivation"
)

// FuzzStructuredAttrs: any __json gives files or an error, never a
// panic, and .attrs.json is valid JSON with the outputs map.
func FuzzStructuredAttrs(f *testing.F) {
	f.Add(`{"a":"b","n":1.5,"l":[1,"x",null,true],"s":{"k":[1]}}`)
	f.Add(`{"outputs":["out"],"big":1e300,"neg":-2147483649}`)
	f.Add(`[1]`)
	f.Fuzz(func(t *testing.T, js string) {
		d := &derivation.Derivation{
			Env:     map[string]string{"__json": js},
			Outputs: map[string]derivation.Output{"out": {Path: "/nix/store/00000000000000000000000000000000-x"}},
		}
		_, files, ok, err := structuredAttrs(d)
		if !ok {
			t.Fatal("__json not recognised")
		}
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(files[".attrs.json"], &m); err != nil {
			t.Fatalf(".attrs.json is not JSON: %v", err)
		}
		if !strings.Contains(string(files[".attrs.sh"]), "declare -A outputs=(['out']=") {
			t.Fatalf(".attrs.sh lacks the outputs:\n%s", files[".attrs.sh"])
		}
	})
}
