package derivation

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// corpusDrvs returns the .drv files nix-instantiate wrote for the store
// corpus (internal/store/dry/testdata/corpus.txtar), by base name.
func corpusDrvs(t testing.TB) map[string]string {
	data, err := os.ReadFile("../dry/testdata/corpus.txtar")
	if err != nil {
		t.Fatal(err)
	}
	drvs := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if name, ok := strings.CutPrefix(lines[i], "drv "); ok {
			drvs[name] = lines[i+1]
		}
	}
	if len(drvs) == 0 {
		t.Fatal("no derivations in the corpus")
	}
	return drvs
}

// TestRoundTrip parses every .drv Nix wrote for the corpus and checks that
// printing it gives the same bytes and the same store path.
func TestRoundTrip(t *testing.T) {
	for name, aterm := range corpusDrvs(t) {
		d, err := Parse([]byte(aterm))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := string(d.ATerm()); got != aterm {
			t.Errorf("%s: printed\n%s\nwant\n%s", name, got, aterm)
		}
		storeDir := storepath.DefaultStoreDir
		for _, o := range d.Outputs {
			storeDir = o.Path[:strings.LastIndexByte(o.Path, '/')]
		}
		p, err := d.Path(storeDir)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if p.Base() != name {
			t.Errorf("%s: path %s", name, p)
		}
	}
}

// TestHashModuloRecomputes checks, over the corpus, that SetOutputs on a
// derivation stripped of its outputs gives back the paths Nix computed.
func TestHashModuloRecomputes(t *testing.T) {
	drvs := map[string]*Derivation{}
	for name, aterm := range corpusDrvs(t) {
		d, err := Parse([]byte(aterm))
		if err != nil {
			t.Fatal(err)
		}
		drvs[name] = d
	}
	memo := map[string]Modulo{}
	var lookup Lookup
	lookup = func(p string) (Modulo, error) {
		base := p[strings.LastIndexByte(p, '/')+1:]
		if m, ok := memo[base]; ok {
			return m, nil
		}
		m, err := drvs[base].HashModulo(false, lookup)
		memo[base] = m
		return m, err
	}
	for name, d := range drvs {
		if d.IsFixedOutput() {
			continue
		}
		storeDir := ""
		names := d.OutputNames()
		for _, o := range d.Outputs {
			storeDir = o.Path[:strings.LastIndexByte(o.Path, '/')]
		}
		c := &Derivation{InputDrvs: d.InputDrvs, InputSrcs: d.InputSrcs, Platform: d.Platform, Builder: d.Builder, Args: d.Args, Env: map[string]string{}}
		for k, v := range d.Env {
			c.Env[k] = v
		}
		if err := c.SetOutputs(storeDir, names, nil, lookup); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(c.Outputs, d.Outputs) || !reflect.DeepEqual(c.Env, d.Env) {
			t.Errorf("%s: outputs %v, want %v", name, c.Outputs, d.Outputs)
		}
	}
}

func TestParseFixedHash(t *testing.T) {
	h := nixhash.Sum(nixhash.SHA256, nil)
	for _, c := range []struct{ hash, algo, mode, err string }{
		{h.Hex(), "sha256", "bogus", "invalid value 'bogus' for 'outputHashMode' attribute"},
		{"abc", "sha256", "", "hash 'abc' has wrong length for hash type 'sha256'"},
		{"abc", "sha257", "", "hash 'abc' does not include a type, nor is the type otherwise known from context"},
		{h.SRI(), "sha1", "", "should have type 'sha1'"},
		{"", "", "", "empty hash requires explicit hash type"},
	} {
		_, err := ParseFixedHash(c.hash, c.algo, c.mode)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseFixedHash(%q, %q, %q) = %v, want %q", c.hash, c.algo, c.mode, err, c.err)
		}
	}
	f, err := ParseFixedHash("", "sha1", "recursive")
	if err != nil || f.Method != storepath.Recursive || len(f.Hash.Digest) != 20 {
		t.Errorf("empty hash: %+v, %v", f, err)
	}
}

func TestSetOutputsErrors(t *testing.T) {
	fixed := &FixedHash{Hash: nixhash.Sum(nixhash.SHA256, nil)}
	for _, c := range []struct {
		name  string
		outs  []string
		fixed *FixedHash
		err   string
	}{
		{"x.drv", []string{"out"}, nil, "derivation names are not allowed to end in '.drv'"},
		{"a b", []string{"out"}, nil, "illegal character ' '"},
		{"x", []string{"out", "drv"}, nil, "invalid derivation output name 'drv'"},
		{"x", []string{"out", "out"}, nil, "duplicate derivation output 'out'"},
		{"x", []string{"out", "dev"}, fixed, "multiple outputs are not supported in fixed-output derivations"},
		{"x", []string{"dev"}, fixed, "multiple outputs are not supported in fixed-output derivations"},
		{"x", []string{"o/k"}, nil, "illegal character '/'"},
	} {
		d := &Derivation{Env: map[string]string{"name": c.name}}
		err := d.SetOutputs(storepath.DefaultStoreDir, c.outs, c.fixed, nil)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s %v: %v, want %q", c.name, c.outs, err, c.err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		``,
		`Derive(`,
		`Derive([("out","rel","","")],[],[],"s","b",[],[])`,
		`Derive([],[],["rel"],"s","b",[],[])`,
		`Derive([],[],[],"s","b",[],[])x`,
		`Derive([],[],[],"s","b",[],[("a","1"),("a","2")])`,
		`Derive([],[],[],"s","b",[],[("a","1)])`,
		`Derive([("out","","",""),("out","","","")],[],[],"s","b",[],[])`,
	} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

// FuzzParse: never a panic; whatever parses prints to something that
// parses to the same derivation (when no unescaped field holds a quote or
// backslash, which Nix itself cannot read back either).
func FuzzParse(f *testing.F) {
	for _, aterm := range corpusDrvs(f) {
		f.Add([]byte(aterm))
	}
	f.Add([]byte(`Derive([],[],[],"s","b\q",[],[])`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		printed := d.ATerm()
		if rawUnsafe(d) {
			return
		}
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("printed derivation does not parse: %v\n%s", err, printed)
		}
		if !reflect.DeepEqual(d, again) {
			t.Fatalf("round trip changed the derivation:\n%s\n%s", data, printed)
		}
		if string(again.ATerm()) != string(printed) {
			t.Fatalf("printing is not stable")
		}
	})
}

func rawUnsafe(d *Derivation) bool {
	bad := func(s string) bool { return strings.ContainsAny(s, `"\`) }
	if bad(d.Platform) {
		return true
	}
	for n, o := range d.Outputs {
		if bad(n) || bad(o.Path) || bad(o.HashAlgo) || bad(o.Hash) {
			return true
		}
	}
	for p, outs := range d.InputDrvs {
		if bad(p) {
			return true
		}
		for _, o := range outs {
			if bad(o) {
				return true
			}
		}
	}
	for _, p := range d.InputSrcs {
		if bad(p) {
			return true
		}
	}
	return false
}
