package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"cairn.dev/cairn/internal/store/binarycache"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/store/narinfo"
)

const storeLocalUsage = `  add [--root DIR] PATH...
               copy files or trees into the store, print their store paths
  verify [--root DIR] [--check-contents]
               check every valid path (exit 1 if any is broken)
  gc [--root DIR]
               delete every path not reachable from the GC roots
               (ROOT/nix/var/nix/gcroots, profiles), print what was freed
  path-info [--root DIR] [--json] [-r] PATH...
               print what the store records of paths (-r: their closure)
  generate-key --name NAME --secret FILE --public FILE
               make an ed25519 signing key pair in Nix's format
  copy --to file:///DIR [--key FILE] [--compression xz|zstd|none] PATH...
               copy the closure of paths into a binary cache, signed
  copy --from file:///DIR --trusted-key KEY... PATH...
               substitute paths from a binary cache (signatures required)

  Every command takes --root DIR (default /) and --store-dir DIR
  (default /nix/store).
`

// storeFlags are the flags every command that opens the local store takes.
type storeFlags struct {
	root     string
	storeDir string
}

// parse takes --root and --store-dir out of args.
func (f *storeFlags) parse(args []string) ([]string, error) {
	if f.root == "" {
		f.root = "/"
	}
	if f.storeDir == "" {
		f.storeDir = "/nix/store"
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--root" || a == "--store-dir":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag '%s' requires an argument", a)
			}
			i++
			if a == "--root" {
				f.root = args[i]
			} else {
				f.storeDir = args[i]
			}
		case strings.HasPrefix(a, "--root="):
			f.root = a[len("--root="):]
		case strings.HasPrefix(a, "--store-dir="):
			f.storeDir = a[len("--store-dir="):]
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

func (f *storeFlags) open(ctx context.Context, env *Env) (*local.Store, error) {
	return local.Open(ctx, local.Options{Root: storePathArg(env, f.root), StoreDir: f.storeDir})
}

// runStoreLocal runs the store commands that use the local store; ok is
// false for a command it does not know.
func runStoreLocal(ctx context.Context, env *Env, args []string) (code int, ok bool) {
	cmds := map[string]func(context.Context, *Env, []string) int{
		"add":          runStoreAdd,
		"verify":       runStoreVerify,
		"gc":           runStoreGC,
		"path-info":    runStorePathInfo,
		"generate-key": runStoreGenerateKey,
		"copy":         runStoreCopy,
	}
	run, ok := cmds[args[0]]
	if !ok {
		return 0, false
	}
	return run(ctx, env, args[1:]), true
}

// storeCommand parses the common flags, rejects unknown ones (those not
// in known, which take one argument when their value is true) and opens
// the store.
func storeCommand(ctx context.Context, env *Env, args []string, known map[string]bool) (*local.Store, map[string][]string, []string, int) {
	var sf storeFlags
	rest, err := sf.parse(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return nil, nil, nil, exitUsage
	}
	flags := map[string][]string{}
	var pos []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if len(a) > 1 && a[0] == '-' {
			takesArg, ok := known[a]
			if !ok {
				fmt.Fprintf(env.Stderr, "error: unknown flag '%s' (see 'cairn store help')\n", a)
				return nil, nil, nil, exitUsage
			}
			if takesArg {
				if i+1 >= len(rest) {
					fmt.Fprintf(env.Stderr, "error: flag '%s' requires an argument\n", a)
					return nil, nil, nil, exitUsage
				}
				i++
				flags[a] = append(flags[a], rest[i])
			} else {
				flags[a] = append(flags[a], "")
			}
			continue
		}
		pos = append(pos, a)
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return nil, nil, nil, exitFailure
	}
	return st, flags, pos, exitOK
}

func runStoreAdd(ctx context.Context, env *Env, args []string) int {
	st, _, paths, code := storeCommand(ctx, env, args, nil)
	if st == nil {
		return code
	}
	defer st.Close()
	if len(paths) == 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	for _, p := range paths {
		sp, err := st.AddTree(ctx, storePathArg(env, p))
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: adding '%s': %v\n", p, err)
			return exitFailure
		}
		fmt.Fprintln(env.Stdout, sp)
	}
	return exitOK
}

func runStoreVerify(ctx context.Context, env *Env, args []string) int {
	st, flags, pos, code := storeCommand(ctx, env, args, map[string]bool{"--check-contents": false})
	if st == nil {
		return code
	}
	defer st.Close()
	if len(pos) > 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	probs, err := st.Verify(ctx, flags["--check-contents"] != nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	for _, p := range probs {
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Path, p.Msg)
	}
	if len(probs) > 0 {
		fmt.Fprintf(env.Stderr, "error: %d store paths failed verification\n", len(probs))
		return exitFailure
	}
	return exitOK
}

func runStoreGC(ctx context.Context, env *Env, args []string) int {
	st, _, pos, code := storeCommand(ctx, env, args, nil)
	if st == nil {
		return code
	}
	defer st.Close()
	if len(pos) > 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	res, err := st.GC(ctx)
	if res != nil {
		for _, p := range res.Deleted {
			fmt.Fprintf(env.Stdout, "deleting '%s'\n", p)
		}
		fmt.Fprintf(env.Stdout, "%d store paths deleted, %.2f MiB freed\n", len(res.Deleted), float64(res.Freed)/(1<<20))
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func runStorePathInfo(ctx context.Context, env *Env, args []string) int {
	st, flags, paths, code := storeCommand(ctx, env, args, map[string]bool{"--json": false, "-r": false, "--recursive": false})
	if st == nil {
		return code
	}
	defer st.Close()
	if len(paths) == 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	var sps []string
	for _, p := range paths {
		sp, err := st.ParsePath(resolveStoreArg(env, st, p))
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		sps = append(sps, sp)
	}
	if flags["-r"] != nil || flags["--recursive"] != nil {
		var err error
		if sps, err = st.Closure(sps); err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
	}
	// The fields of nix path-info --json, in its order.
	type jsonInfo struct {
		Path             string   `json:"path"`
		NarHash          string   `json:"narHash"`
		NarSize          int64    `json:"narSize"`
		References       []string `json:"references"`
		CA               string   `json:"ca,omitempty"`
		Deriver          string   `json:"deriver,omitempty"`
		RegistrationTime int64    `json:"registrationTime"`
		Signatures       []string `json:"signatures,omitempty"`
	}
	var out []jsonInfo
	for _, p := range sps {
		i, err := st.QueryPathInfo(p)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		ji := jsonInfo{Path: i.Path, NarHash: i.NarHash.SRI(), NarSize: i.NarSize, References: i.References,
			Deriver: i.Deriver, RegistrationTime: i.RegistrationTime.Unix(), Signatures: i.Sigs, CA: i.CA}
		if ji.References == nil {
			ji.References = []string{}
		}
		out = append(out, ji)
	}
	if flags["--json"] != nil {
		b, _ := json.Marshal(out)
		// The text form below prints base 32, as narinfo files do.
		fmt.Fprintln(env.Stdout, string(b))
		return exitOK
	}
	for k, i := range out {
		info, _ := st.QueryPathInfo(sps[k])
		fmt.Fprintf(env.Stdout, "%s\n  narHash: %s\n  narSize: %d\n  references:", i.Path, info.NarHash, i.NarSize)
		for _, r := range i.References {
			fmt.Fprintf(env.Stdout, " %s", r)
		}
		fmt.Fprintln(env.Stdout)
		if i.Deriver != "" {
			fmt.Fprintf(env.Stdout, "  deriver: %s\n", i.Deriver)
		}
		if i.CA != "" {
			fmt.Fprintf(env.Stdout, "  ca: %s\n", i.CA)
		}
		for _, s := range i.Signatures {
			fmt.Fprintf(env.Stdout, "  signature: %s\n", s)
		}
	}
	return exitOK
}

// resolveStoreArg turns an argument naming a store path, or a symlink to
// one (./result), into the logical store path.
func resolveStoreArg(env *Env, st *local.Store, p string) string {
	if strings.HasPrefix(p, st.StoreDir()+"/") {
		return p
	}
	if t, err := os.Readlink(storePathArg(env, p)); err == nil && strings.HasPrefix(t, st.StoreDir()+"/") {
		return t
	}
	return p
}

func runStoreGenerateKey(ctx context.Context, env *Env, args []string) int {
	var name, secret, public string
	for i := 0; i < len(args); i++ {
		var dst *string
		switch args[i] {
		case "--name":
			dst = &name
		case "--secret":
			dst = &secret
		case "--public":
			dst = &public
		default:
			fmt.Fprintf(env.Stderr, "error: unknown argument '%s'\n%s", args[i], storeUsage)
			return exitUsage
		}
		if i+1 >= len(args) {
			fmt.Fprintf(env.Stderr, "error: flag '%s' requires an argument\n", args[i])
			return exitUsage
		}
		i++
		*dst = args[i]
	}
	if name == "" || secret == "" || public == "" {
		fmt.Fprintf(env.Stderr, "error: generate-key needs --name, --secret and --public\n")
		return exitUsage
	}
	sk, pk, err := narinfo.GenerateKey(name, rand.Reader)
	if err == nil {
		err = os.WriteFile(storePathArg(env, secret), []byte(sk.String()), 0o600)
	}
	if err == nil {
		err = os.WriteFile(storePathArg(env, public), []byte(pk.String()), 0o644)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: generating a key: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// readKeyArg reads a key given as itself or as a file holding it.
func readKeyArg(env *Env, s string) string {
	if b, err := os.ReadFile(storePathArg(env, s)); err == nil {
		return strings.TrimSpace(string(b))
	}
	return s
}

func runStoreCopy(ctx context.Context, env *Env, args []string) int {
	st, flags, paths, code := storeCommand(ctx, env, args, map[string]bool{
		"--to": true, "--from": true, "--key": true, "--trusted-key": true, "--compression": true,
	})
	if st == nil {
		return code
	}
	defer st.Close()
	to, from := flags["--to"], flags["--from"]
	if len(paths) == 0 || len(to)+len(from) != 1 {
		fmt.Fprintf(env.Stderr, "error: copy needs one of --to or --from and store paths\n%s", storeUsage)
		return exitUsage
	}
	var sps []string
	for _, p := range paths {
		sp, err := st.ParsePath(resolveStoreArg(env, st, p))
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		sps = append(sps, sp)
	}
	compression := ""
	if c := flags["--compression"]; len(c) > 0 {
		compression = c[len(c)-1]
	}
	if len(to) == 1 {
		cache, err := binarycache.Open(to[0], st.StoreDir(), compression)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitUsage
		}
		var key *narinfo.SecretKey
		if k := flags["--key"]; len(k) > 0 {
			sk, err := narinfo.ParseSecretKey(readKeyArg(env, k[len(k)-1]))
			if err != nil {
				fmt.Fprintf(env.Stderr, "error: signing key: %v\n", err)
				return exitFailure
			}
			key = &sk
		}
		done, err := cache.Put(ctx, st, sps, key)
		for _, p := range done {
			fmt.Fprintf(env.Stderr, "copied '%s'\n", p)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	cache, err := binarycache.Open(from[0], st.StoreDir(), "")
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitUsage
	}
	trusted, err := trustedKeys(env, flags["--trusted-key"])
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitUsage
	}
	done, err := cache.Substitute(ctx, st, sps, trusted)
	for _, p := range done {
		fmt.Fprintf(env.Stderr, "copied '%s'\n", p)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// trustedKeys parses --trusted-key values (keys, or files holding keys
// separated by white space); at least one is needed.
func trustedKeys(env *Env, args []string) ([]narinfo.PublicKey, error) {
	var keys []narinfo.PublicKey
	for _, a := range args {
		for _, f := range strings.Fields(readKeyArg(env, a)) {
			k, err := narinfo.ParsePublicKey(f)
			if err != nil {
				return nil, fmt.Errorf("trusted key '%s': %w", f, err)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("substituting needs --trusted-key KEY: paths are accepted only with a valid signature")
	}
	return keys, nil
}
