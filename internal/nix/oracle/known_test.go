package oracle

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKnownUpdateKeepsReasonsAndDropsPassing(t *testing.T) {
	known := Known{"a": "old reason", "b": "fixed since", "d": "did not run"}
	next := known.Update(map[string]string{"a": "still broken", "b": "", "c": "exit 1,\tnot 0\n", "e": ""})
	want := Known{"a": "old reason", "c": "new failure: exit 1, not 0", "d": "did not run"}
	if !maps.Equal(next, want) {
		t.Fatalf("Update = %v, want %v", next, want)
	}
}

func TestKnownWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known.txt")
	known := Known{"eval-okay-x": "reason one", "strict/y": "new failure: line 1: got \"a\", want \"b\""}
	if err := known.Write(path, "first line\nsecond line"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# first line\n# second line\neval-okay-x\treason one\n") {
		t.Fatalf("written file:\n%s", b)
	}
	back, err := ReadKnown(path)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back, known) {
		t.Fatalf("read back %v, want %v", back, known)
	}
}

func TestReadKnownRejectsLineWithoutReason(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known.txt")
	if err := os.WriteFile(path, []byte("# comment\nok\treason\nbroken line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadKnown(path)
	if err == nil || !strings.Contains(err.Error(), "known.txt:3:") {
		t.Fatalf("err = %v, want one naming line 3", err)
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nc\n", `line 2: got "b", want "c"`},
		{"a\n", "a\nb\n", `line 2: got "", want "b"`},
		{"same", "same", "equal"},
	} {
		if d := FirstDiff(tc.got, tc.want); d != tc.diff {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tc.got, tc.want, d, tc.diff)
		}
	}
}

// FuzzReadKnown: any file either reads without panicking or is rejected,
// and what reads back after a write is what was written.
func FuzzReadKnown(f *testing.F) {
	f.Add("# c\nname\treason\n")
	f.Add("a\tb\tc\n\n")
	f.Add("\tno name\n")
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "k.txt")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		known, err := ReadKnown(path)
		if err != nil {
			return
		}
		if err := known.Write(path, "header"); err != nil {
			t.Fatal(err)
		}
		back, err := ReadKnown(path)
		if err != nil {
			t.Fatalf("reading what Write wrote: %v", err)
		}
		if !maps.Equal(back, known) {
			t.Fatalf("round trip: %v, want %v", back, known)
		}
	})
}
