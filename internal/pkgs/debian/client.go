package debian

import (
	"bytes"
	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ulikunitz/xz"

	"cairn.dev/cairn/internal/atomicfile"
)

// Client fetches a suite's files from a Debian mirror, verifying them
// against the archive keyring, and caches what it fetched.
type Client struct {
	Mirror   string       // e.g. "http://mirror.example/debian"
	CacheDir string       // e.g. $XDG_CACHE_HOME/cairn/debian
	Keyring  *Keyring     // keys trusted to sign InRelease
	HTTP     *http.Client // nil means http.DefaultClient
	Now      func() time.Time
}

// Suite is a verified InRelease of a suite.
type Suite struct {
	Name    string
	Release *Release
	SHA256  string // of the InRelease file
	Signer  string // fingerprint of the signing key
}

// DefaultCacheDir returns $XDG_CACHE_HOME/cairn/debian, or
// /var/cache/cairn/debian when XDG_CACHE_HOME is unset.
func DefaultCacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "cairn", "debian")
	}
	return "/var/cache/cairn/debian"
}

// HostMirror returns the first Debian archive URL of the host's apt
// sources (deb822 /etc/apt/sources.list.d/debian.sources, then one-line
// /etc/apt/sources.list), below root ("/" for the host).
func HostMirror(root string) (string, error) {
	deb822 := filepath.Join(root, "etc/apt/sources.list.d/debian.sources")
	if data, err := os.ReadFile(deb822); err == nil {
		paras, err := ParseParagraphs(deb822, string(data))
		if err != nil {
			return "", err
		}
		for _, p := range paras {
			if !strings.Contains(" "+p.Get("Types")+" ", " deb ") {
				continue
			}
			for _, u := range strings.Fields(p.Get("URIs")) {
				if !strings.Contains(u, "security") {
					return strings.TrimSuffix(u, "/"), nil
				}
			}
		}
	}
	list := filepath.Join(root, "etc/apt/sources.list")
	if data, err := os.ReadFile(list); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			w := strings.Fields(l)
			if len(w) >= 3 && w[0] == "deb" {
				u := w[1]
				if strings.HasPrefix(u, "[") { // options
					for i := 1; i < len(w); i++ {
						if strings.HasSuffix(w[i], "]") && i+1 < len(w) {
							u = w[i+1]
							break
						}
					}
				}
				if !strings.Contains(u, "security") {
					return strings.TrimSuffix(u, "/"), nil
				}
			}
		}
	}
	return "", fmt.Errorf("no Debian mirror in %s or %s", deb822, list)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) inReleasePath(suite string) string {
	return filepath.Join(c.CacheDir, "dists", sanitize(c.Mirror), suite, "InRelease")
}

func sanitize(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	return strings.NewReplacer("/", "_", ":", "_").Replace(strings.TrimSuffix(u, "/"))
}

// FetchSuite downloads dists/SUITE/InRelease, verifies its signature,
// parses it and caches it.
func (c *Client) FetchSuite(ctx context.Context, suite string) (*Suite, error) {
	url := c.Mirror + "/dists/" + suite + "/InRelease"
	data, err := c.get(ctx, url)
	if err != nil {
		return nil, err
	}
	s, err := c.suite(url, suite, data)
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(c.inReleasePath(suite), data, 0o644); err != nil {
		return nil, fmt.Errorf("caching %s: %w", url, err)
	}
	return s, nil
}

// CachedSuite reads the InRelease of suite cached by FetchSuite and
// verifies it again. It returns an error wrapping os.ErrNotExist when
// nothing is cached.
func (c *Client) CachedSuite(suite string) (*Suite, error) {
	p := c.inReleasePath(suite)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return c.suite(p, suite, data)
}

// VerifySuite verifies and parses InRelease data; file names it in errors.
func (c *Client) suite(file, suite string, data []byte) (*Suite, error) {
	if c.Keyring == nil {
		return nil, fmt.Errorf("%s: no keyring to verify against", file)
	}
	text, signer, err := c.Keyring.VerifyInRelease(file, data, c.now())
	if err != nil {
		return nil, err
	}
	rel, err := ParseRelease(file, text)
	if err != nil {
		return nil, err
	}
	if rel.Suite != suite && rel.Codename != suite {
		return nil, fmt.Errorf("%s: signed for suite %q (codename %q), not %q", file, rel.Suite, rel.Codename, suite)
	}
	if !rel.ValidUntil.IsZero() && c.now().After(rel.ValidUntil) {
		return nil, fmt.Errorf("%s: expired on %s", file, rel.ValidUntil.Format(time.RFC1123))
	}
	sum := sha256.Sum256(data)
	return &Suite{Name: suite, Release: rel, SHA256: hex.EncodeToString(sum[:]), Signer: signer}, nil
}

// IndexFile is a Packages index that has been fetched and checked.
type IndexFile struct {
	Path string // relative to dists/SUITE, e.g. "main/binary-amd64/Packages"
	Pin  IndexPin
	Text string
}

// IndexPin identifies one Packages index by content: the uncompressed
// file's hash and size, and those of the .xz file it is fetched as.
type IndexPin struct {
	Path   string   `json:"path"` // relative to dists/SUITE
	SHA256 string   `json:"sha256"`
	Size   int64    `json:"size"`
	XZ     FileHash `json:"xz"`
	// StorePath is where the (uncompressed) index is in the store: a
	// fixed-output path, flat sha256, so any store holding it has the
	// same bytes.
	StorePath string `json:"storePath,omitempty"`
}

// StoreName returns the store name of the index of suite pinned by p,
// e.g. "debian-bookworm-main-binary-amd64-Packages".
func (p IndexPin) StoreName(suite string) string {
	return "debian-" + strings.ReplaceAll(suite+"/"+p.Path, "/", "-")
}

// ComputeStorePath returns the fixed-output store path of the index in
// the store at storeDir.
func (p IndexPin) ComputeStorePath(storeDir, suite string) (string, error) {
	d, err := hex.DecodeString(p.SHA256)
	if err != nil || len(d) != 32 {
		return "", fmt.Errorf("%s: bad SHA256 %q", p.Path, p.SHA256)
	}
	sp, err := storepath.FixedOutput(storeDir, storepath.Flat, nixhash.Hash{Algo: nixhash.SHA256, Digest: d}, p.StoreName(suite), nil, false)
	if err != nil {
		return "", err
	}
	return sp.String(), nil
}

// CachedPackages returns the cache file holding the index p pins (after
// PinnedPackages or PinnedIndex made sure of it).
func (c *Client) CachedPackages(p IndexPin) string { return c.blobPath(p.SHA256) }

// Pin returns the pin of component/arch's Packages index in the suite.
func (s *Suite) Pin(component, arch string) (IndexPin, error) {
	rel := component + "/binary-" + arch + "/Packages"
	plain, ok := s.Release.SHA256[rel]
	if !ok {
		return IndexPin{}, fmt.Errorf("suite %s lists no %s", s.Name, rel)
	}
	comp, ok := s.Release.SHA256[rel+".xz"]
	if !ok {
		return IndexPin{}, fmt.Errorf("suite %s lists no %s.xz", s.Name, rel)
	}
	return IndexPin{Path: rel, SHA256: plain.SHA256, Size: plain.Size, XZ: comp}, nil
}

// Packages returns the uncompressed Packages index of component/arch,
// checked against the suite's Release hashes.
func (c *Client) Packages(ctx context.Context, s *Suite, component, arch string) (*IndexFile, error) {
	pin, err := s.Pin(component, arch)
	if err != nil {
		return nil, err
	}
	return c.PinnedPackages(ctx, s.Name, s.Release.AcquireByHash, pin)
}

// PinnedPackages returns the Packages index pinned by pin: from the cache
// when there, else fetched as Packages.xz from dists/SUITE (by hash when
// byHash, so that an index pinned before the suite changed can still be
// fetched while the mirror keeps it), checked against the pin.
func (c *Client) PinnedPackages(ctx context.Context, suite string, byHash bool, pin IndexPin) (*IndexFile, error) {
	cached := c.blobPath(pin.SHA256)
	if data, err := os.ReadFile(cached); err == nil && sha256hex(data) == pin.SHA256 {
		return &IndexFile{Path: pin.Path, Pin: pin, Text: string(data)}, nil
	}
	comp, err := c.blob(ctx, suite, byHash, pin.Path+".xz", pin.XZ)
	if err != nil {
		return nil, err
	}
	zr, err := xz.NewReader(bytes.NewReader(comp))
	if err != nil {
		return nil, fmt.Errorf("%s.xz: %w", pin.Path, err)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(pin.Size, 1<<30)))
	if _, err := io.Copy(&buf, io.LimitReader(zr, pin.Size+1)); err != nil {
		return nil, fmt.Errorf("%s.xz: %w", pin.Path, err)
	}
	data := buf.Bytes()
	if err := CheckHash(pin.Path, data, FileHash{SHA256: pin.SHA256, Size: pin.Size}); err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(cached, data, 0o644); err != nil {
		return nil, fmt.Errorf("caching %s: %w", pin.Path, err)
	}
	return &IndexFile{Path: pin.Path, Pin: pin, Text: string(data)}, nil
}

// PinnedIndex is PinnedPackages parsed. From the cache, the file's hash
// is checked while it is parsed (two cores instead of one pass after the
// other); a file whose hash differs is discarded and fetched again.
func (c *Client) PinnedIndex(ctx context.Context, suite string, byHash bool, pin IndexPin) (*Index, error) {
	if data, err := os.ReadFile(c.blobPath(pin.SHA256)); err == nil {
		sum := make(chan string, 1)
		go func() { sum <- sha256hex(data) }()
		idx, perr := ParsePackages(pin.Path, string(data))
		if <-sum == pin.SHA256 {
			return idx, perr
		}
	}
	f, err := c.PinnedPackages(ctx, suite, byHash, pin)
	if err != nil {
		return nil, err
	}
	return ParsePackages(pin.Path, f.Text)
}

// blob returns the file at dists/SUITE/rel whose hash is want, from the
// content-addressed cache or the mirror (by hash when the suite allows).
func (c *Client) blob(ctx context.Context, suite string, byHash bool, rel string, want FileHash) ([]byte, error) {
	p := c.blobPath(want.SHA256)
	if data, err := os.ReadFile(p); err == nil && sha256hex(data) == want.SHA256 {
		return data, nil
	}
	url := c.Mirror + "/dists/" + suite + "/" + rel
	if byHash {
		url = c.Mirror + "/dists/" + suite + "/" + pathDir(rel) + "/by-hash/SHA256/" + want.SHA256
	}
	data, err := c.get(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := CheckHash(url, data, want); err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(p, data, 0o644); err != nil {
		return nil, fmt.Errorf("caching %s: %w", url, err)
	}
	return data, nil
}

// CheckHash checks data against a Release file entry; name names it in
// the error.
func CheckHash(name string, data []byte, want FileHash) error {
	got := sha256hex(data)
	if got != want.SHA256 || int64(len(data)) != want.Size {
		return fmt.Errorf("%s: SHA256 %s (%d bytes) does not match the Release file's %s (%d bytes)", name, got, len(data), want.SHA256, want.Size)
	}
	return nil
}

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

func (c *Client) blobPath(sum string) string {
	return filepath.Join(c.CacheDir, "by-hash", "SHA256", sum)
}

func sha256hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func (c *Client) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	return data, nil
}

// FetchDeb returns the cache file holding p's .deb: the download cache's
// by-hash/SHA256/HEX (the same one the build engine's fixed-output
// downloads use), fetched from the mirror when missing and written only
// after its SHA256 matched the index's.
func (c *Client) FetchDeb(ctx context.Context, p *Package) (string, error) {
	if p.Filename == "" || p.SHA256 == "" {
		return "", fmt.Errorf("%s %s has no Filename or SHA256 in the index", p.Name, p.Version)
	}
	cached := c.blobPath(p.SHA256)
	if data, err := os.ReadFile(cached); err == nil && sha256hex(data) == p.SHA256 {
		return cached, nil
	}
	url := c.Mirror + "/" + p.Filename
	data, err := c.get(ctx, url)
	if err != nil {
		return "", err
	}
	if err := CheckHash(url, data, FileHash{SHA256: p.SHA256, Size: p.Size}); err != nil {
		return "", err
	}
	if _, err := atomicfile.WriteFile(cached, data, 0o644); err != nil {
		return "", fmt.Errorf("caching %s: %w", p.DebName(), err)
	}
	return cached, nil
}
