package debian

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// liveClient returns a client for the host's mirror with a persistent
// cache (so reruns do not download again), or skips when neither the
// cache nor the mirror is available.
func liveClient(t *testing.T) (*Client, *Suite) {
	t.Helper()
	kr, err := LoadKeyring(DefaultKeyring)
	if err != nil {
		t.Skipf("no Debian archive keyring: %v", err)
	}
	mirror, err := HostMirror("/")
	if err != nil {
		t.Skipf("no host mirror: %v", err)
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("no cache directory: %v", err)
		}
		cache = home
	}
	c := &Client{Mirror: mirror, CacheDir: filepath.Join(cache, "cairn", "debian"), Keyring: kr}
	s, err := c.CachedSuite("bookworm")
	if err == nil {
		return c, s
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Logf("cached InRelease unusable (%v), fetching again", err)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(mirror, "http://"), "https://")
	host, _, _ = strings.Cut(host, "/")
	if !strings.Contains(host, ":") {
		host += ":80"
	}
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Skipf("mirror %s unreachable: %v", mirror, err)
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err = c.FetchSuite(ctx, "bookworm")
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestLiveBookwormNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("network test")
	}
	c, s := liveClient(t)
	if s.Release.Codename != "bookworm" || s.Signer == "" {
		t.Fatalf("suite %+v: want codename bookworm and a signer", s.Release.Fields[:3])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f, err := c.Packages(ctx, s, "main", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	idx, err := ParsePackages(f.Path, f.Text)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("parsed %d stanzas (%d MB) in %v", len(idx.Packages), len(f.Text)>>20, time.Since(start))
	if len(idx.Packages) < 50000 {
		t.Fatalf("only %d packages in bookworm main amd64", len(idx.Packages))
	}
	cl, err := idx.Resolve("nginx")
	if err != nil {
		t.Fatal(err)
	}
	mine := map[string]bool{}
	for _, p := range cl.Packages {
		mine[p.Name] = true
	}
	apt, err := aptClosure("nginx")
	if err != nil {
		t.Skipf("apt-cache: %v", err)
	}
	// apt-cache --recurse follows every alternative and every provider,
	// so its set is a superset; every package cairn selects must be in it.
	var extra []string
	for n := range mine {
		if !apt[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("cairn's closure of nginx has packages apt-cache does not: %v", extra)
	}
	for _, want := range []string{"nginx", "nginx-common", "libc6", "libssl3", "libpcre2-8-0", "zlib1g", "iproute2"} {
		if !mine[want] {
			t.Errorf("closure of nginx lacks %s", want)
		}
	}
	var aptOnly []string
	for n := range apt {
		if !mine[n] {
			aptOnly = append(aptOnly, n)
		}
	}
	sort.Strings(aptOnly)
	// What apt-cache adds comes from the alternatives cairn does not take:
	// iproute2's "debconf (>= 0.5) | debconf-2.0" (debconf-2.0 is provided
	// by cdebconf) and, below it, readline-common's "dpkg (>= 1.15.4) | install-info".
	others, err := idx.Resolve("cdebconf", "install-info")
	if err != nil {
		t.Fatal(err)
	}
	explained := map[string]bool{}
	for _, p := range others.Packages {
		explained[p.Name] = true
	}
	for _, n := range aptOnly {
		if !explained[n] {
			t.Errorf("apt-cache's closure of nginx has %s, which neither cairn's closure nor the unchosen alternatives explain", n)
		}
	}
	t.Logf("closure of nginx: %d packages; apt-cache: %d; apt-cache only (other alternatives/providers): %v", len(mine), len(apt), aptOnly)
}

// aptClosure runs apt-cache depends --recurse over the host's apt lists
// and returns the real package names it prints.
func aptClosure(name string) (map[string]bool, error) {
	out, err := exec.Command("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
		"--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", name).Output()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || l[0] == ' ' || strings.HasPrefix(l, "<") {
			continue // relation lines and virtual packages
		}
		set[strings.TrimSpace(l)] = true
	}
	if len(set) == 0 {
		return nil, errors.New("no packages printed (are apt's lists empty?)")
	}
	return set, nil
}

// BenchmarkParsePackages parses bookworm main amd64 from the cache (run
// TestLiveBookwormNginx once to fill it).
func BenchmarkParsePackages(b *testing.B) {
	kr, err := LoadKeyring(DefaultKeyring)
	if err != nil {
		b.Skip(err)
	}
	mirror, err := HostMirror("/")
	if err != nil {
		b.Skip(err)
	}
	cache, err := os.UserCacheDir()
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		cache, err = d, nil
	}
	if err != nil {
		b.Skip(err)
	}
	c := &Client{Mirror: mirror, CacheDir: filepath.Join(cache, "cairn", "debian"), Keyring: kr}
	s, err := c.CachedSuite("bookworm")
	if err != nil {
		b.Skipf("nothing cached: %v", err)
	}
	pin, err := s.Pin("main", "amd64")
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(c.CacheDir, "by-hash", "SHA256", pin.SHA256))
	if err != nil {
		b.Skipf("nothing cached: %v", err)
	}
	text := string(data)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParsePackages(pin.Path, text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveNginx resolves nginx's closure in bookworm main amd64.
func BenchmarkResolveNginx(b *testing.B) {
	kr, err := LoadKeyring(DefaultKeyring)
	if err != nil {
		b.Skip(err)
	}
	mirror, _ := HostMirror("/")
	cache, _ := os.UserCacheDir()
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		cache = d
	}
	c := &Client{Mirror: mirror, CacheDir: filepath.Join(cache, "cairn", "debian"), Keyring: kr}
	s, err := c.CachedSuite("bookworm")
	if err != nil {
		b.Skipf("nothing cached: %v", err)
	}
	f, err := c.PinnedPackages(context.Background(), "bookworm", false, mustPin(b, s))
	if err != nil {
		b.Skip(err)
	}
	idx, err := ParsePackages(f.Path, f.Text)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := idx.Resolve("nginx"); err != nil {
			b.Fatal(err)
		}
	}
}

func mustPin(b *testing.B, s *Suite) IndexPin {
	p, err := s.Pin("main", "amd64")
	if err != nil {
		b.Fatal(err)
	}
	return p
}
