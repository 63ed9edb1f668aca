// Package debtest fetches real Debian packages for tests and benchmarks:
// it asks the host's apt (apt-get download, apt-cache depends) for them
// and keeps the .deb files in a cache folder so that later runs need no
// network. A test skips when apt or the archive is not reachable.
package debtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// CacheDir is the folder of cached .deb files: $CAIRN_DEB_CACHE, or
// cairn-debs in the user's cache folder.
func CacheDir() (string, error) {
	if d := os.Getenv("CAIRN_DEB_CACHE"); d != "" {
		return d, os.MkdirAll(d, 0o755)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	d = filepath.Join(d, "cairn-debs")
	return d, os.MkdirAll(d, 0o755)
}

// Closure lists the packages of names with their Depends and
// Pre-Depends closure as apt resolves it on this host, sorted.
func Closure(names ...string) ([]string, error) {
	args := append([]string{"depends", "--recurse", "--no-recommends", "--no-suggests",
		"--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"}, names...)
	out, err := exec.Command("apt-cache", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("apt-cache depends %s: %w", strings.Join(names, " "), err)
	}
	set := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == ' ' || l[0] == '<' || l[0] == '|' {
			continue
		}
		set[strings.TrimSpace(l)] = true
	}
	var pkgs []string
	for p := range set {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	return pkgs, nil
}

// Download returns the paths of the .deb files of the packages, from
// the cache folder, downloading with apt-get the ones missing.
func Download(names ...string) ([]string, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range names {
		if find(dir, n) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		// Downloads go to a private folder and are renamed into the
		// cache whole, so a test running beside never sees half a file.
		tmp, err := os.MkdirTemp(dir, ".download-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("apt-get", append([]string{"download", "-q"}, missing...)...)
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("apt-get download %s: %w\n%s", strings.Join(missing, " "), err, out)
		}
		got, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
		for _, f := range got {
			if err := os.Rename(f, filepath.Join(dir, filepath.Base(f))); err != nil {
				return nil, err
			}
		}
	}
	paths := make([]string, len(names))
	for i, n := range names {
		if paths[i] = find(dir, n); paths[i] == "" {
			return nil, fmt.Errorf("apt-get download %s left no .deb in %s", n, dir)
		}
	}
	return paths, nil
}

// find returns the newest-named cached .deb of package name.
func find(dir, name string) string {
	m, _ := filepath.Glob(filepath.Join(dir, name+"_*.deb"))
	if len(m) == 0 {
		return "" // the underscore keeps "libc6_" from matching libc6-dev
	}
	sort.Strings(m)
	return m[len(m)-1]
}

// Fetch is Download for a test: it skips t when the packages cannot be
// had (no apt, no network).
func Fetch(t testing.TB, names ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no apt-get on this host")
	}
	paths, err := Download(names...)
	if err != nil {
		t.Skipf("Debian packages not available: %v", err)
	}
	return paths
}

// FetchClosure is Fetch of names and their dependency closure.
func FetchClosure(t testing.TB, names ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("apt-cache"); err != nil {
		t.Skip("no apt-cache on this host")
	}
	pkgs, err := Closure(names...)
	if err != nil {
		t.Skipf("resolving the closure: %v", err)
	}
	return Fetch(t, pkgs...)
}
