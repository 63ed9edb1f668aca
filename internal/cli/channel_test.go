package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/pkgs/debian/debiantest"
)

const channelTestIndex = `Package: hello
Version: 2.10-3
Architecture: amd64
Source: hello-src (2.10-3)
Section: devel
Depends: libc6 (>= 2.34)
Size: 1048576
Description: example package based on GNU hello
Homepage: https://www.gnu.org/software/hello/
License: GPL-3+

Package: libc6
Version: 2.36-9
Architecture: amd64
Size: 2097152
Description: GNU C Library: Shared libraries
`

// runCairn runs one cairn command in dir with the cache in cache.
func runCairn(t *testing.T, dir, cache string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: dir,
		Getenv: func(k string) string {
			if k == "XDG_CACHE_HOME" {
				return cache
			}
			return ""
		}}
	code := Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestChannelLoopback(t *testing.T) {
	m := debiantest.New(t, "test", map[string]string{"main/binary-amd64": channelTestIndex}, debiantest.Options{})
	dir, cache := t.TempDir(), t.TempDir()
	keyring := filepath.Join(dir, "test.gpg")
	os.WriteFile(keyring, m.Keyring, 0o644)
	os.WriteFile(filepath.Join(dir, "configuration.nix"), []byte("{ }\n"), 0o644)

	code, _, stderr := runCairn(t, dir, cache, "channel", "add", "deb", "--suite", "test", "--mirror", m.URL+"/", "--keyring", keyring, "--arch", "amd64", "-c", "configuration.nix")
	if code != 0 {
		t.Fatalf("channel add: exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`^channel deb: test 2023-06-10 of http://127.0.0.1:\d+/debian, InRelease sha256:[0-9a-f]{64}\n$`).MatchString(stderr) {
		t.Errorf("channel add stderr: %q", stderr)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "cairn.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name": "deb"`, `"suite": "test"`, `"date": "2023-06-10T08:55:30Z"`, `"path": "main/binary-amd64/Packages"`} {
		if !strings.Contains(string(lock), want) {
			t.Errorf("cairn.lock lacks %s:\n%s", want, lock)
		}
	}
	if code, _, stderr := runCairn(t, dir, cache, "channel", "add", "deb", "--suite", "test", "--mirror", m.URL, "--keyring", keyring); code != 1 || !strings.Contains(stderr, "channel deb already exists") {
		t.Errorf("second add: exit %d: %s", code, stderr)
	}

	// show and search work offline from the cache.
	m.Close()
	code, out, stderr := runCairn(t, dir, cache, "pkgs", "show", "--closure", "hello")
	want := `package:       hello
version:       2.10-3
architecture:  amd64
channel:       deb (test)
source:        hello-src 2.10-3
section:       devel
licence:       GPL-3+
homepage:      https://www.gnu.org/software/hello/
description:   example package based on GNU hello
depends:       libc6 (>= 2.34)
closure:       2 packages, 3.0 MiB of .deb files
  hello  2.10-3  (requested)
  libc6  2.36-9  hello: libc6 (>= 2.34)
`
	if code != 0 || out != want {
		t.Errorf("pkgs show: exit %d, stderr %s\n got:\n%s\nwant:\n%s", code, stderr, out, want)
	}
	code, out, _ = runCairn(t, dir, cache, "pkgs", "search", "LIBRARY")
	if code != 0 || out != "libc6  2.36-9  deb  GNU C Library: Shared libraries\n" {
		t.Errorf("pkgs search: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCairn(t, dir, cache, "pkgs", "show", "nope"); code != 1 || stderr != "error: no package nope in any channel\n" {
		t.Errorf("pkgs show nope: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCairn(t, dir, cache, "channel", "update"); code != 1 || !strings.Contains(stderr, "error: channel deb: fetching ") {
		t.Errorf("update with the mirror gone: exit %d: %s", code, stderr)
	}
	code, out, _ = runCairn(t, dir, cache, "channel", "list")
	if code != 0 || !strings.HasPrefix(out, "deb\ttest\thttp://127.0.0.1:") {
		t.Errorf("channel list: exit %d: %s", code, out)
	}
}

func TestChannelTampered(t *testing.T) {
	for _, tc := range []struct {
		opt  debiantest.Options
		want string
	}{
		{debiantest.Options{TamperRelease: true}, "/dists/test/InRelease: OpenPGP signature does not verify against the archive keyring"},
		{debiantest.Options{TamperIndex: true}, "/dists/test/main/binary-amd64/Packages.xz: SHA256 "},
	} {
		m := debiantest.New(t, "test", map[string]string{"main/binary-amd64": channelTestIndex}, tc.opt)
		dir, cache := t.TempDir(), t.TempDir()
		keyring := filepath.Join(dir, "test.gpg")
		os.WriteFile(keyring, m.Keyring, 0o644)
		code, _, stderr := runCairn(t, dir, cache, "channel", "add", "deb", "--suite", "test", "--mirror", m.URL, "--keyring", keyring)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%+v: exit %d: %s", tc.opt, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "cairn.lock")); !os.IsNotExist(err) {
			t.Errorf("%+v: cairn.lock written: %v", tc.opt, err)
		}
	}
}

// TestChannelBookworm pins the host mirror's bookworm and shows nginx; it
// skips when the mirror is unreachable. Downloads stay in the user's
// cache so reruns are fast.
func TestChannelBookworm(t *testing.T) {
	cache := needMirror(t, false)
	dir := t.TempDir()
	if code, _, stderr := runCairn(t, dir, cache, "channel", "add", "debian", "--suite", "bookworm", "--arch", "amd64"); code != 0 {
		t.Fatalf("channel add: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCairn(t, dir, cache, "pkgs", "show", "nginx")
	if code != 0 || !strings.Contains(out, "source:        nginx\n") || !regexp.MustCompile(`closure: +\d+ packages`).MatchString(out) {
		t.Errorf("pkgs show nginx: exit %d: %s\n%s", code, stderr, out)
	}
}

// needMirror skips the test unless the host's Debian mirror answers (and,
// with asRoot, the test runs as root, which building in the sandbox and
// confining services need); it returns the cache folder downloads are
// kept in across runs (XDG_CACHE_HOME for the commands).
func needMirror(t *testing.T, asRoot bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("network test")
	}
	if asRoot && os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	mirror, err := debian.HostMirror("/")
	if err != nil {
		t.Skip(err)
	}
	if _, err := os.Stat(debian.DefaultKeyring); err != nil {
		t.Skip(err)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(mirror, "http://"), "https://")
	host, _, _ = strings.Cut(host, "/")
	if !strings.Contains(host, ":") {
		host += ":80"
	}
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Skipf("mirror unreachable: %v", err)
	}
	conn.Close()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if cache, err = os.UserCacheDir(); err != nil {
			t.Skip(err)
		}
	}
	return cache
}
