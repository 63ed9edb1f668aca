package dry

import (
	"context"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
)

// str is a string with its Nix string context, the way the evaluator
// carries them: plain store paths, "!OUT!DRV" for an output of a
// derivation and "=DRV" for the .drv file itself.
type str struct {
	s   string
	ctx []string
}

func lit(s string) str { return str{s: s} }

// cat concatenates strings and their contexts, as interpolation does.
func cat(parts ...str) str {
	var r str
	for _, p := range parts {
		r.s += p.s
		r.ctx = append(r.ctx, p.ctx...)
	}
	return r
}

// drvResult is what derivationStrict returns.
type drvResult struct {
	drvPath string
	outs    map[string]string
}

func (d drvResult) out(name string) str {
	return str{s: d.outs[name], ctx: []string{"!" + name + "!" + d.drvPath}}
}

func (d drvResult) drv() str { return str{s: d.drvPath, ctx: []string{"=" + d.drvPath}} }

// attr is one attribute of a derivation call, in any order (Nix sorts).
type attr struct {
	name string
	val  str
}

// mirror builds the request the evaluator makes for
// derivation { name = ...; attrs...; args = ...; } and runs it.
type mirror struct {
	t *testing.T
	s *Store
}

func (m mirror) derivation(name string, attrs []attr, args ...str) drvResult {
	m.t.Helper()
	req := &eval.DerivationRequest{Name: name, Env: map[string]string{"name": name}, InputDrvs: map[string][]string{}}
	var ctx []string
	outputs := []string{"out"}
	for _, a := range attrs {
		req.Env[a.name] = a.val.s
		ctx = append(ctx, a.val.ctx...)
		switch a.name {
		case "builder":
			req.Builder = a.val.s
		case "system":
			req.System = a.val.s
		case "outputHash":
			req.OutputHash = a.val.s
		case "outputHashAlgo":
			req.OutputHashAlgo = a.val.s
		case "outputHashMode":
			req.OutputHashMode = a.val.s
		case "outputs":
			outputs = strings.Fields(a.val.s)
		}
	}
	for _, a := range args {
		req.Args = append(req.Args, a.s)
		ctx = append(ctx, a.ctx...)
	}
	req.Outputs = outputs
	srcs := map[string]bool{}
	for _, c := range ctx {
		switch {
		case strings.HasPrefix(c, "="):
			req.InputDrvs[c[1:]] = append(req.InputDrvs[c[1:]], "*")
		case strings.HasPrefix(c, "!"):
			rest := c[1:]
			i := strings.IndexByte(rest, '!')
			req.InputDrvs[rest[i+1:]] = append(req.InputDrvs[rest[i+1:]], rest[:i])
		default:
			srcs[c] = true
		}
	}
	for p := range srcs {
		req.InputSrcs = append(req.InputSrcs, p)
	}
	sort.Strings(req.InputSrcs)
	drvPath, outs, err := m.s.Derivation(context.Background(), req)
	if err != nil {
		m.t.Fatalf("derivation %s: %v", name, err)
	}
	return drvResult{drvPath: drvPath, outs: outs}
}

// toFile mirrors builtins.toFile.
func (m mirror) toFile(name string, text str) str {
	m.t.Helper()
	p, err := m.s.AddText(context.Background(), name, text.s, text.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return str{s: p, ctx: []string{p}}
}

// path mirrors builtins.path and path coercion.
func (m mirror) path(req eval.AddPathRequest) str {
	m.t.Helper()
	p, err := m.s.AddPath(context.Background(), req)
	if err != nil {
		m.t.Fatal(err)
	}
	return str{s: p, ctx: []string{p}}
}

// base attributes every derivation of the corpus has.
func base(extra ...attr) []attr {
	return append([]attr{
		{"system", lit("x86_64-linux")},
		{"builder", lit("/bin/sh")},
	}, extra...)
}
