// Package dry is a store that computes store paths without writing
// anything: what `cairn eval` gives the evaluator. It hashes the files
// that paths are added from and keeps the derivations it computed in
// memory, so that derivations depending on them hash exactly as Nix's do.
package dry

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/derivation"
	"cairn.dev/cairn/internal/store/nar"
	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// Store implements eval.Store without side effects. It is safe for
// concurrent use. Its errors do not repeat what the evaluator says around
// them (the derivation's name, the path being added).
type Store struct {
	storeDir string

	mu     sync.Mutex
	drvs   map[string]*derivation.Derivation // by .drv path
	modulo map[string]derivation.Modulo      // by .drv path, unmasked
	texts  map[string][]string               // references of toFile paths
}

var _ eval.Store = (*Store)(nil)

// New returns a Store for the logical store directory storeDir
// (storepath.DefaultStoreDir when empty).
func New(storeDir string) *Store {
	if storeDir == "" {
		storeDir = storepath.DefaultStoreDir
	}
	return &Store{
		storeDir: strings.TrimSuffix(storeDir, "/"),
		drvs:     map[string]*derivation.Derivation{},
		modulo:   map[string]derivation.Modulo{},
		texts:    map[string][]string{},
	}
}

// StoreDir returns the logical store directory.
func (s *Store) StoreDir() string { return s.storeDir }

// Lookup returns a derivation this store computed, by .drv path.
func (s *Store) Lookup(drvPath string) (*derivation.Derivation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drvs[drvPath]
	return d, ok
}

func (s *Store) checkPath(p string) error {
	_, err := storepath.Parse(s.storeDir, p)
	return err
}

// AddText returns the path builtins.toFile gives text named name that
// refers to refs.
func (s *Store) AddText(ctx context.Context, name, text string, refs []string) (string, error) {
	for _, r := range refs {
		if err := s.checkPath(r); err != nil {
			return "", fmt.Errorf("reference: %w", err)
		}
	}
	p, err := storepath.Text(s.storeDir, name, []byte(text), refs)
	if err != nil {
		return "", err
	}
	if len(refs) > 0 {
		s.mu.Lock()
		s.texts[p.String()] = append([]string(nil), refs...)
		s.mu.Unlock()
	}
	return p.String(), nil
}

// AddPath returns the path the file or tree at req.Src would get: a
// "source" path over its NAR hash (Recursive) or a fixed-output path over
// the file's sha256 (flat).
func (s *Store) AddPath(ctx context.Context, req eval.AddPathRequest) (string, error) {
	name := req.Name
	if name == "" {
		name = filepath.Base(req.Src)
	}
	if err := storepath.ValidateName(name); err != nil {
		return "", err
	}
	var h nixhash.Hash
	method := storepath.Flat
	if req.Recursive {
		method = storepath.Recursive
		// Errors of the filter (evaluation errors) are returned as they are.
		var filterErr error
		filter := req.Filter
		if filter != nil {
			filter = func(path, typ string) (bool, error) {
				keep, err := req.Filter(path, typ)
				filterErr = err
				return keep, err
			}
		}
		var err error
		h, _, err = nar.HashPath(ctx, req.Src, filter)
		if err != nil && err == filterErr {
			return "", err
		}
		if err != nil {
			return "", err
		}
	} else {
		var err error
		if h, err = nixhash.File(req.Src, nixhash.SHA256); err != nil {
			return "", err
		}
	}
	if req.ExpectedSHA256 != "" {
		want, err := nixhash.Parse(req.ExpectedSHA256, nixhash.SHA256)
		if err != nil {
			return "", fmt.Errorf("expected hash: %w", err)
		}
		if !want.Equal(h) {
			return "", fmt.Errorf("hash mismatch for '%s': expected %s, got %s", req.Src, want.SRI(), h.SRI())
		}
	}
	p, err := storepath.FixedOutput(s.storeDir, method, h, name, nil, false)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// Derivation computes the output paths and the .drv path of req, as
// Nix's derivationStrict does, and remembers the derivation for those
// that depend on it.
func (s *Store) Derivation(ctx context.Context, req *eval.DerivationRequest) (string, map[string]string, error) {
	d, err := s.build(req)
	if err != nil {
		return "", nil, err
	}
	drvPath, err := d.Path(s.storeDir)
	if err != nil {
		return "", nil, err
	}
	m, err := d.HashModulo(false, s.lookup)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	s.drvs[drvPath.String()] = d
	s.modulo[drvPath.String()] = m
	s.mu.Unlock()
	outs := make(map[string]string, len(d.Outputs))
	for name, o := range d.Outputs {
		outs[name] = o.Path
	}
	return drvPath.String(), outs, nil
}

// build turns a request into a derivation with its outputs computed.
func (s *Store) build(req *eval.DerivationRequest) (*derivation.Derivation, error) {
	d := &derivation.Derivation{
		InputDrvs: map[string][]string{},
		Platform:  req.System,
		Builder:   req.Builder,
		Args:      append([]string{}, req.Args...),
		Env:       make(map[string]string, len(req.Env)+1),
	}
	for k, v := range req.Env {
		d.Env[k] = v
	}
	if n, ok := d.Env["name"]; !ok {
		// With structured attributes (__json) the name lives in the JSON.
		if _, structured := d.Env["__json"]; !structured {
			d.Env["name"] = req.Name
		}
	} else if n != req.Name {
		return nil, fmt.Errorf("name %q differs from the environment's name %q", req.Name, n)
	}
	for _, p := range req.InputSrcs {
		if err := s.checkPath(p); err != nil {
			return nil, fmt.Errorf("input source: %w", err)
		}
		d.InputSrcs = append(d.InputSrcs, p)
	}
	sort.Strings(d.InputSrcs)
	d.InputSrcs = dedup(d.InputSrcs)
	for p, outs := range req.InputDrvs {
		if err := s.checkPath(p); err != nil || !strings.HasSuffix(p, ".drv") {
			return nil, fmt.Errorf("input derivation '%s' is not a .drv store path", p)
		}
		for _, o := range outs {
			if o == "*" {
				if err := s.addClosure(d, p); err != nil {
					return nil, err
				}
			} else {
				d.InputDrvs[p] = append(d.InputDrvs[p], o)
			}
		}
	}
	for p, outs := range d.InputDrvs {
		sort.Strings(outs)
		d.InputDrvs[p] = dedup(outs)
	}
	sort.Strings(d.InputSrcs)
	d.InputSrcs = dedup(d.InputSrcs)
	outputs := req.Outputs
	if len(outputs) == 0 {
		outputs = []string{"out"}
	}
	var fixed *derivation.FixedHash
	if _, ok := req.Env["outputHash"]; ok || req.OutputHash != "" {
		f, err := derivation.ParseFixedHash(req.OutputHash, req.OutputHashAlgo, req.OutputHashMode)
		if err != nil {
			return nil, err
		}
		fixed = &f
	}
	if err := d.SetOutputs(s.storeDir, outputs, fixed, s.lookup); err != nil {
		return nil, err
	}
	return d, nil
}

// addClosure handles a reference to a .drv file itself (string context
// "=DRV", marked "*" in the request) as Nix does: every path in the
// closure of the .drv becomes an input source, and every derivation in
// it an input derivation with all its outputs.
func (s *Store) addClosure(d *derivation.Derivation, drvPath string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	stack := []string{drvPath}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		d.InputSrcs = append(d.InputSrcs, p)
		if strings.HasSuffix(p, ".drv") {
			in, ok := s.drvs[p]
			if !ok {
				return fmt.Errorf("derivation '%s' is not known to this evaluation", p)
			}
			d.InputDrvs[p] = append(d.InputDrvs[p], in.OutputNames()...)
			stack = append(stack, in.References()...)
		}
		stack = append(stack, s.texts[p]...)
	}
	return nil
}

// lookup returns the unmasked hash modulo of a derivation computed
// earlier.
func (s *Store) lookup(drvPath string) (derivation.Modulo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.modulo[drvPath]
	if !ok {
		return derivation.Modulo{}, fmt.Errorf("unknown derivation (not computed by this evaluation)")
	}
	return m, nil
}

func dedup(ss []string) []string {
	n := 0
	for i, x := range ss {
		if i > 0 && x == ss[n-1] {
			continue
		}
		ss[n] = x
		n++
	}
	return ss[:n]
}
