package eval

import (
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"path"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

//go:embed corepkgs/*.nix
var corepkgs embed.FS

// corepkgsDir is where the evaluator's own Nix files appear.
const corepkgsDir = "/__cairn_corepkgs"

func (ev *Evaluator) corepkg(name string) Value {
	return Path(path.Join(corepkgsDir, name))
}

// finishBuiltins defines the builtins written in the Nix language.
func (ev *Evaluator) finishBuiltins() {
	drv := ev.importFile(Path(corepkgsDir+"/derivation.nix"), token.NoPos)
	ev.setBuiltin("derivation", drv)
}

// storeBuiltins create store paths and derivations.
func storeBuiltins() []*Primop {
	unsupported := func(name string) *Primop {
		return prim(name, 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			throwf(pos, "'builtins.%s' needs the network, which cairn's evaluator does not support yet", name)
			return nil
		})
	}
	return []*Primop{
		unsupported("fetchurl"),
		unsupported("fetchTarball"),
		unsupported("fetchGit"),
		unsupported("fetchMercurial"),
		unsupported("fetchTree"),
		prim("derivation", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			throwf(pos, "derivation is not initialised")
			return nil
		}),
		prim("derivationStrict", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.derivationStrict(ev.forceAttrs(a[0], pos), pos)
		}),
		prim("toFile", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			s := ev.forceString(a[1], pos)
			var refs []string
			for _, c := range s.Ctx {
				if strings.HasPrefix(c, "=") || strings.HasPrefix(c, "!") {
					throwf(pos, "in 'toFile': the file '%s' cannot refer to derivation outputs", name)
				}
				refs = append(refs, c)
			}
			p, err := ev.store.AddText(ev.ctx, name, s.S, refs)
			if err != nil {
				throwf(pos, "toFile '%s': %v", name, err)
			}
			return &String{S: p, Ctx: Context{p}}
		}),
		prim("placeholder", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			out := ev.forceStringNoCtx(a[0], pos)
			h := sha256.Sum256([]byte("nix-output:" + out))
			return mkString("/" + nixBase32(h[:]))
		}),
		prim("storePath", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p, ctx := ev.coerceToPath(a[0], pos)
			dir := ev.storeDir() + "/"
			if !strings.HasPrefix(p, dir) {
				throwf(pos, "path '%s' is not in the Nix store", p)
			}
			rest := p[len(dir):]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				rest = rest[:i]
			}
			sp := dir + rest
			return &String{S: p, Ctx: ctx.Merge(Context{sp})}
		}),
		prim("path", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			args := ev.forceAttrs(a[0], pos)
			req := AddPathRequest{Recursive: true}
			pa, ok := args.Get("path")
			if !ok {
				throwf(pos, "missing required 'path' attribute in the first argument to builtins.path")
			}
			req.Src = ev.realisePath(pa.Value, pos)
			req.Name = baseName(req.Src)
			if n, ok := args.Get("name"); ok {
				req.Name = ev.forceStringNoCtx(n.Value, pos)
			}
			if r, ok := args.Get("recursive"); ok {
				req.Recursive = ev.forceBool(r.Value, pos)
			}
			if h, ok := args.Get("sha256"); ok {
				req.ExpectedSHA256 = ev.forceStringNoCtx(h.Value, pos)
			}
			if f, ok := args.Get("filter"); ok {
				req.Filter = ev.pathFilter(ev.forceFunction(f.Value, pos), pos)
			}
			return ev.addPath(req, pos)
		}),
		prim("filterSource", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			src := ev.realisePath(a[1], pos)
			return ev.addPath(AddPathRequest{Name: baseName(src), Src: src, Recursive: true, Filter: ev.pathFilter(f, pos)}, pos)
		}),
	}
}

func (ev *Evaluator) pathFilter(f Value, pos token.Pos) func(p, typ string) (bool, error) {
	return func(p, typ string) (bool, error) {
		var keep bool
		err := ev.catch(func() {
			keep = ev.forceBool(ev.call(ev.call(f, mkString(p), pos), mkString(typ), pos), pos)
		})
		return keep, err
	}
}

func (ev *Evaluator) addPath(req AddPathRequest, pos token.Pos) Value {
	p, err := ev.store.AddPath(ev.ctx, req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			panic(e)
		}
		throwf(pos, "adding '%s' to the store: %v", req.Src, err)
	}
	return &String{S: p, Ctx: Context{p}}
}

// derivationStrict turns a derivation's attributes into a store
// derivation and returns { drvPath; <output> = path; ... }.
func (ev *Evaluator) derivationStrict(attrs *Attrs, pos token.Pos) Value {
	nameAttr, ok := attrs.Get("name")
	if !ok {
		throwf(pos, "required attribute 'name' missing")
	}
	drvName := ev.forceStringNoCtx(nameAttr.Value, nameAttr.Pos)
	req := &DerivationRequest{Name: drvName, Env: map[string]string{}, InputDrvs: map[string][]string{}}
	ignoreNulls := false
	if in, ok := attrs.Get("__ignoreNulls"); ok {
		ignoreNulls = ev.forceBool(in.Value, pos)
	}
	var ctx Context
	outputs := []string{"out"}
	structured := false
	if sa, ok := attrs.Get("__structuredAttrs"); ok {
		structured = ev.forceBool(sa.Value, sa.Pos)
	}
	var jsonAttrs []Attr
	for i := range attrs.List {
		at := &attrs.List[i]
		if at.Name == "__ignoreNulls" {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if e, isErr := r.(*Error); isErr {
						addTrace(e, at.Pos, "while evaluating the attribute '%s' of the derivation '%s'", at.Name, drvName)
					}
					panic(r)
				}
			}()
			if ignoreNulls && ev.force(at.Value, pos) == nil {
				return
			}
			if at.Name == "__contentAddressed" || at.Name == "__impure" {
				if ev.forceBool(at.Value, at.Pos) {
					throwf(at.Pos, "'%s' derivations are not supported", strings.TrimPrefix(at.Name, "__"))
				}
				return
			}
			if at.Name == "args" {
				for _, x := range ev.forceList(at.Value, at.Pos).Elems {
					s, c := ev.coerceToString(x, at.Pos, coerceOpts{coerceMore: true, copyToStore: true})
					ctx = ctx.Merge(c)
					req.Args = append(req.Args, s)
				}
				return
			}
			if structured {
				if at.Name == "__structuredAttrs" {
					return
				}
				jsonAttrs = append(jsonAttrs, *at)
				switch at.Name {
				case "allowedReferences", "allowedRequisites", "disallowedReferences", "disallowedRequisites", "maxSize", "maxClosureSize":
					ev.warnAt(at.Pos, "while evaluating derivation '"+drvName+"'",
						fmt.Sprintf("'structuredAttrs' disables the effect of the derivation attribute '%s'; use 'outputChecks.<output>.%s' instead", at.Name, at.Name))
				case "builder", "system", "outputHash", "outputHashAlgo", "outputHashMode":
					str := ev.forceString(at.Value, at.Pos)
					ctx = ctx.Merge(str.Ctx)
					ev.derivationAttr(req, at, str.S, &outputs)
				case "outputs":
					outputs = nil
					for _, o := range ev.forceList(at.Value, at.Pos).Elems {
						outputs = append(outputs, ev.forceStringNoCtx(o, at.Pos))
					}
					ev.checkOutputs(outputs, at.Pos)
				}
				return
			}
			s, c := ev.coerceToString(at.Value, at.Pos, coerceOpts{coerceMore: true, copyToStore: true})
			ctx = ctx.Merge(c)
			req.Env[at.Name] = s
			ev.derivationAttr(req, at, s, &outputs)
		}()
	}
	if structured {
		js := ev.toJSON(&Attrs{List: jsonAttrs}, pos)
		req.Env["__json"] = js.S
		ctx = ctx.Merge(js.Ctx)
	}
	ev.finishDerivationRequest(req, attrs, outputs, pos)
	return ev.instantiate(req, ctx, drvName, outputs, pos)
}

// derivationAttr records the attributes of a derivation that mean
// something to the store.
func (ev *Evaluator) derivationAttr(req *DerivationRequest, at *Attr, s string, outputs *[]string) {
	{
		{
			switch at.Name {
			case "builder":
				req.Builder = s
			case "system":
				req.System = s
			case "outputHash":
				req.OutputHash = s
			case "outputHashAlgo":
				req.OutputHashAlgo = s
			case "outputHashMode":
				if s != "flat" && s != "recursive" {
					throwf(at.Pos, "invalid value '%s' for 'outputHashMode' attribute", s)
				}
				req.OutputHashMode = s
			case "outputs":
				*outputs = strings.Fields(s)
				ev.checkOutputs(*outputs, at.Pos)
			}
		}
	}
}

func (ev *Evaluator) checkOutputs(outputs []string, pos token.Pos) {
	seen := map[string]bool{}
	for _, o := range outputs {
		if seen[o] {
			throwf(pos, "duplicate derivation output '%s'", o)
		}
		if o == "drv" || o == "drvPath" {
			throwf(pos, "invalid derivation output name '%s'", o)
		}
		seen[o] = true
	}
	if len(outputs) == 0 {
		throwf(pos, "derivation cannot have an empty set of outputs")
	}
}

func (ev *Evaluator) finishDerivationRequest(req *DerivationRequest, attrs *Attrs, outputs []string, pos token.Pos) {
	drvName := req.Name
	req.Outputs = outputs
	if req.Builder == "" {
		if _, ok := attrs.Get("builder"); !ok {
			throwf(pos, "required attribute 'builder' missing")
		}
	}
	if _, ok := attrs.Get("system"); !ok {
		throwf(pos, "required attribute 'system' missing")
	}
	if strings.HasSuffix(drvName, ".drv") {
		throwf(pos, "derivation names are not allowed to end in '.drv'")
	}
}

// instantiate collects the inputs from the context and asks the store for
// the derivation's paths.
func (ev *Evaluator) instantiate(req *DerivationRequest, ctx Context, drvName string, outputs []string, pos token.Pos) Value {
	srcs := map[string]bool{}
	for _, c := range ctx {
		switch {
		case strings.HasPrefix(c, "="):
			req.InputDrvs[c[1:]] = append(req.InputDrvs[c[1:]], "*")
		case strings.HasPrefix(c, "!"):
			rest := c[1:]
			i := strings.IndexByte(rest, '!')
			out, drv := rest[:i], rest[i+1:]
			req.InputDrvs[drv] = append(req.InputDrvs[drv], out)
		default:
			srcs[c] = true
		}
	}
	req.InputSrcs = sortedKeys(srcs)
	if ev.store == nil {
		throwf(pos, "cannot instantiate derivation '%s': no store", drvName)
	}
	drvPath, outPaths, err := ev.store.Derivation(ev.ctx, req)
	if err != nil {
		throwf(pos, "derivation '%s': %v", drvName, err)
	}
	list := []Attr{{Name: "drvPath", Value: &String{S: drvPath, Ctx: Context{"=" + drvPath}}}}
	for _, o := range outputs {
		list = append(list, Attr{Name: o, Value: &String{S: outPaths[o], Ctx: Context{"!" + o + "!" + drvPath}}})
	}
	return newAttrs(list)
}

// nixBase32 encodes bytes in Nix's base-32 alphabet and byte order.
func nixBase32(b []byte) string {
	const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
	n := (len(b)*8-1)/5 + 1
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		j, k := bit/8, bit%8
		c := int(b[j]) >> k
		if j+1 < len(b) {
			c |= int(b[j+1]) << (8 - k)
		}
		out[n-1-i] = alphabet[c&0x1f]
	}
	return string(out)
}

var _ = fmt.Sprintf
