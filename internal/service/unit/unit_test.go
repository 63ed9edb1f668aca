package unit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestGolden parses every file of testdata/*.txtar except "out" and
// compares the typed result (or the errors) with the "out" section;
// CAIRN_UPDATE=1 rewrites it.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/*.txtar")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			outIdx := -1
			for i, f := range ar.Files {
				if f.Name == "out" {
					outIdx = i
					continue
				}
				u, err := Parse(f.Name, f.Data)
				b.WriteString("== " + f.Name + "\n")
				if err != nil {
					for _, e := range err.(ErrorList) {
						b.WriteString("error: " + e.Error() + "\n")
					}
					continue
				}
				b.WriteString(dump(u))
			}
			got := b.String()
			if os.Getenv("CAIRN_UPDATE") == "1" {
				if outIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "out"})
					outIdx = len(ar.Files) - 1
				}
				ar.Files[outIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if outIdx < 0 {
				t.Fatalf("no -- out -- section; run with CAIRN_UPDATE=1")
			}
			if want := string(ar.Files[outIdx].Data); got != want {
				t.Errorf("output differs\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// dump prints the typed sections, notes and ignored keys as JSON, leaving
// out zero values.
func dump(u *File) string {
	m := map[string]any{}
	add := func(name string, v any) {
		data, _ := json.Marshal(v)
		var x map[string]any
		json.Unmarshal(data, &x)
		for k, val := range x {
			if isZero(val) {
				delete(x, k)
			}
		}
		if len(x) > 0 {
			m[name] = x
		}
	}
	add("Unit", u.Unit)
	add("Service", u.Service)
	add("Timer", u.Timer)
	add("Install", u.Install)
	if len(u.Notes) > 0 {
		m["Notes"] = u.Notes
	}
	if len(u.Ignored) > 0 {
		m["Ignored"] = u.Ignored
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	return string(data) + "\n"
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	}
	return false
}

func TestRoundTrip(t *testing.T) {
	src := "[Unit]\nDescription=a \\\n  b\n# c\n[Service]\nExecStart=/bin/x \"y z\"\nExecStart=\n"
	checkRoundTrip(t, []byte(src))
}

func checkRoundTrip(t *testing.T, src []byte) {
	f, err := Parse("x.service", src)
	if err != nil {
		return
	}
	g, err := Parse("x.service", []byte(f.Format()))
	if err != nil {
		t.Fatalf("reparse of %q: %v", f.Format(), err)
	}
	if !reflect.DeepEqual(strip(f.Sections), strip(g.Sections)) {
		t.Fatalf("round trip differs:\n%q\n%q", f.Sections, g.Sections)
	}
}

func strip(ss []Section) []Section {
	var out []Section
	for _, s := range ss {
		n := Section{Name: s.Name}
		for _, e := range s.Entries {
			n.Entries = append(n.Entries, Entry{Key: e.Key, Value: e.Value})
		}
		out = append(out, n)
	}
	return out
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "one two", "B": "", "C": "x"}
	cmds, err := ParseCommands(`/bin/echo $A ${A} $B pre${C}post $$C \$C`)
	if err != nil {
		t.Fatal(err)
	}
	got := cmds[0].Expand(func(k string) string { return env[k] })
	want := []string{"/bin/echo", "one", "two", "one two", "prexpost", "$C", "$C"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, x := range ar.Files {
			if x.Name != "out" {
				f.Add(x.Data)
			}
		}
	}
	f.Add([]byte("[Service]\nRootDirectory=/r\nBindPaths=-/a:/b:ro /c\nBindReadOnlyPaths=/nix/store\nStateDirectory=x y/z\nMountAPIVFS=yes\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkRoundTrip(t, src)
		if u, err := Parse("fuzz@i.service", src); err == nil {
			for _, c := range u.Service.ExecStart {
				c.Expand(func(string) string { return "a b" })
			}
		}
	})
}

// TestSandboxKeys parses the keys a confined service's unit uses.
func TestSandboxKeys(t *testing.T) {
	f, err := Parse("app.service", []byte(`[Service]
ExecStart=/usr/sbin/app
RootDirectory=/nix/store/abc-root
BindReadOnlyPaths=/nix/store /etc
BindPaths=-/srv/data:/data /var/x:/y:ro
MountAPIVFS=yes
PrivateTmp=true
StateDirectory=app app/sub
RuntimeDirectory=app
LogsDirectory=app
CacheDirectory=app
`))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Service
	want := []BindPath{
		{Source: "/nix/store", Target: "/nix/store", ReadOnly: true},
		{Source: "/etc", Target: "/etc", ReadOnly: true},
		{Source: "/srv/data", Target: "/data", Optional: true},
		{Source: "/var/x", Target: "/y", ReadOnly: true},
	}
	if s.RootDirectory != "/nix/store/abc-root" || !s.MountAPIVFS || !s.PrivateTmp || fmt.Sprint(s.BindPaths) != fmt.Sprint(want) ||
		fmt.Sprint(s.StateDirectory, s.RuntimeDirectory, s.LogsDirectory, s.CacheDirectory) != "[app app/sub] [app] [app] [app]" || len(f.Ignored) != 0 {
		t.Errorf("parsed %+v (ignored %v)", s, f.Ignored)
	}
	for _, bad := range []string{"RootDirectory=relative", "BindPaths=rel", "BindPaths=/a:/b:bogus", "StateDirectory=/abs", "StateDirectory=a/../b"} {
		if _, err := Parse("bad.service", []byte("[Service]\n"+bad+"\n")); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
