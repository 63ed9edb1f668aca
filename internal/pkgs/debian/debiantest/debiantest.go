// Package debiantest serves a small Debian archive over loopback for
// tests: one suite, one Packages index per component/architecture, an
// InRelease clearsigned by a key generated for the test.
package debiantest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ulikunitz/xz"
)

// Mirror is a running loopback archive.
type Mirror struct {
	URL     string            // the archive root, e.g. http://127.0.0.1:PORT/debian
	Keyring []byte            // the binary public keyring that verifies InRelease
	Files   map[string][]byte // served files by path below URL; tests may edit them
	// Cut names files whose download stops after that many bytes: the
	// response announces the whole length, then the connection drops.
	Cut map[string]int
	srv *httptest.Server
}

// Options say how to damage the archive, for tests of the checks.
type Options struct {
	TamperRelease bool // edit the signed text of InRelease after signing
	TamperIndex   bool // flip a bit of every Packages.xz after hashing
}

// New starts a mirror serving suite with the given Packages texts, keyed
// by "COMPONENT/binary-ARCH". The server stops when the test ends.
func New(t testing.TB, suite string, indexes map[string]string, opt Options) *Mirror {
	t.Helper()
	ent, err := openpgp.NewEntity("cairn test archive", "", "test@cairn.invalid", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &Mirror{Files: map[string][]byte{}, Cut: map[string]int{}}
	var list strings.Builder
	keys := make([]string, 0, len(indexes))
	for k := range indexes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		plain := []byte(indexes[k])
		var buf bytes.Buffer
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		comp := buf.Bytes()
		fmt.Fprintf(&list, " %s %d %s/Packages\n %s %d %s/Packages.xz\n", sum(plain), len(plain), k, sum(comp), len(comp), k)
		if opt.TamperIndex {
			comp = append([]byte(nil), comp...)
			comp[len(comp)/2] ^= 1
		}
		m.Files["dists/"+suite+"/"+k+"/Packages.xz"] = comp
	}
	rel := fmt.Sprintf("Origin: Test\nLabel: Test\nSuite: %s\nCodename: %s\nDate: Sat, 10 Jun 2023 08:55:30 UTC\nArchitectures: amd64\nComponents: main\nSHA256:\n%s", suite, suite, list.String())
	var signed bytes.Buffer
	pw, err := clearsign.Encode(&signed, ent.PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte(rel))
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	in := signed.Bytes()
	if opt.TamperRelease {
		in = bytes.Replace(in, []byte("Origin: Test"), []byte("Origin: Evil"), 1)
	}
	m.Files["dists/"+suite+"/InRelease"] = in
	var pub bytes.Buffer
	if err := ent.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	m.Keyring = pub.Bytes()
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/debian/")
		if b, ok := m.Files[name]; ok {
			if n, cut := m.Cut[name]; cut && n < len(b) {
				w.Header().Set("Content-Length", strconv.Itoa(len(b)))
				w.Write(b[:n])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler) // drops the connection mid-body
			}
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	m.URL = m.srv.URL + "/debian"
	t.Cleanup(m.srv.Close)
	return m
}

// Close stops the server early (to test offline use of a cache).
func (m *Mirror) Close() { m.srv.Close() }

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
