package channel

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/pkgs/debian/debiantest"
)

const mainIndex = "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\nDescription: example package\n\nPackage: libc6\nVersion: 2.36-9\nArchitecture: amd64\n"
const contribIndex = "Package: extra\nVersion: 1\nArchitecture: all\nDepends: hello\n"

func TestUpdateLockIndex(t *testing.T) {
	m := debiantest.New(t, "test", map[string]string{"main/binary-amd64": mainIndex, "contrib/binary-amd64": contribIndex}, debiantest.Options{})
	kr, err := debian.ReadKeyring(bytes.NewReader(m.Keyring))
	if err != nil {
		t.Fatal(err)
	}
	ch := Channel{Name: "deb", Suite: "test", Mirror: m.URL, Components: []string{"main", "contrib"}, Architecture: "amd64"}
	cache := t.TempDir()
	ctx := context.Background()
	if err := ch.Update(ctx, ch.Client(cache, kr)); err != nil {
		t.Fatal(err)
	}
	if len(ch.Indexes) != 2 || ch.Indexes[1].Path != "contrib/binary-amd64/Packages" || ch.InRelease == "" ||
		!ch.Date.Equal(time.Date(2023, 6, 10, 8, 55, 30, 0, time.UTC)) {
		t.Fatalf("channel after update: %+v", ch)
	}
	path := filepath.Join(t.TempDir(), LockName)
	l := &Lock{Version: 1, Channels: []Channel{ch}}
	if err := WriteLock(path, l); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Marshal(), l.Marshal()) {
		t.Errorf("lock does not round-trip:\n%s\n%s", back.Marshal(), l.Marshal())
	}
	// The pinned indexes come from the cache once the mirror is gone.
	m.Close()
	idx, err := back.Find("deb").Index(ctx, ch.Client(cache, nil))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := idx.Resolve("extra")
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Packages) != 3 {
		t.Errorf("closure of extra: %d packages, want 3", len(cl.Packages))
	}
	// Without the cache and the mirror, the error names the file.
	_, err = back.Find("deb").Index(ctx, ch.Client(t.TempDir(), nil))
	if err == nil || !strings.Contains(err.Error(), "channel deb: fetching "+m.URL+"/dists/test/") {
		t.Errorf("index without cache or mirror: %v", err)
	}
}

func TestReadLockErrors(t *testing.T) {
	dir := t.TempDir()
	if l, err := ReadLock(filepath.Join(dir, "missing")); err != nil || len(l.Channels) != 0 || l.Version != 1 {
		t.Errorf("missing lock: %+v %v", l, err)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"version": 2}`, "lock version 2, this cairn reads version 1"},
		{`{"version": 1, "channels": [{"name": "x"}]}`, `channel 1 ("x") lacks name, suite, mirror, architecture or components`},
		{`{"version": 1, "extra": true}`, `unknown field "extra"`},
		{`{`, "unexpected EOF"},
	} {
		p := filepath.Join(dir, "lock")
		os.WriteFile(p, []byte(tc.in), 0o644)
		if _, err := ReadLock(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadLock(%s) = %v, want %s", tc.in, err, tc.want)
		}
	}
}
