package cli

import (
	"cairn.dev/cairn/internal/pkgs/deb"
	"cairn.dev/cairn/internal/pkgs/debexpr"
	"context"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"

	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debian"
)

const pkgsUsage = `usage: cairn pkgs search WORD
       cairn pkgs show [--closure] NAME

Reads the Packages indexes pinned in cairn.lock (see 'cairn channel').
'search' lists packages whose name or short description contains WORD;
'show' prints a package's version, source package, licence when the
index records one, and the size of its dependency closure (Depends and
Pre-Depends); --closure lists the closure's packages.
Flags: -c FILE (the configuration beside cairn.lock).
`

func goarch() string { return runtime.GOARCH }

func runPkgs(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, pkgsUsage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	f, code := parseChannelFlags(env, args, pkgsUsage, map[string]bool{"--closure": sub == "show"})
	if code >= 0 {
		return code
	}
	if sub == "-h" || sub == "--help" {
		fmt.Fprint(env.Stdout, pkgsUsage)
		return exitOK
	}
	if sub != "search" && sub != "show" {
		fmt.Fprintf(env.Stderr, "error: unknown pkgs command %q\n%s", sub, pkgsUsage)
		return exitUsage
	}
	if len(f.args) != 1 {
		fmt.Fprintf(env.Stderr, "error: pkgs %s needs one argument\n%s", sub, pkgsUsage)
		return exitUsage
	}
	lockPath := f.lockPath(env)
	lock, err := channel.ReadLock(lockPath)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if len(lock.Channels) == 0 {
		fmt.Fprintf(env.Stderr, "error: no channels in %s (add one with 'cairn channel add')\n", lockPath)
		return exitFailure
	}
	cache := debian.DefaultCacheDir(env.Getenv)
	found := false
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, c := range lock.Channels {
		idx, err := c.Index(ctx, c.Client(cache, nil))
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		if sub == "search" {
			for _, p := range idx.Search(f.args[0]) {
				found = true
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Version, c.Name, p.Description)
			}
			continue
		}
		name := strings.TrimPrefix(f.args[0], "pkgs.")
		ps := idx.Lookup(name)
		if len(ps) == 0 && strings.Contains(name, "_") {
			// A NixOS-style alias (postgresql_15 for postgresql-15).
			for _, n := range idx.Names() {
				if debexpr.Alias(n) == name {
					ps = idx.Lookup(n)
					break
				}
			}
		}
		if len(ps) == 0 {
			continue
		}
		found = true
		if err := showPackage(ctx, env, tw, c, c.Client(cache, nil), idx, ps[0], f.closure); err != nil {
			tw.Flush()
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
	}
	tw.Flush()
	if !found {
		if sub == "show" {
			fmt.Fprintf(env.Stderr, "error: no package %s in any channel\n", f.args[0])
		} else {
			fmt.Fprintf(env.Stderr, "no package matches %q\n", f.args[0])
		}
		return exitFailure
	}
	return exitOK
}

func showPackage(ctx context.Context, env *Env, tw *tabwriter.Writer, c channel.Channel, cl *debian.Client, idx *debian.Index, p *debian.Package, listClosure bool) error {
	closure, err := idx.Resolve(p.Name)
	if err != nil {
		return err
	}
	var size int64
	for _, q := range closure.Packages {
		size += q.Size
	}
	licence := p.License
	if licence == "" {
		licence = packageLicence(ctx, cl, p)
	}
	src := p.SourceName()
	if p.SourceVersion != "" {
		src += " " + p.SourceVersion
	}
	rows := [][2]string{
		{"package", p.Name},
		{"version", p.Version},
		{"architecture", p.Architecture},
		{"channel", c.Name + " (" + c.Suite + ")"},
		{"source", src},
		{"section", p.Section},
		{"licence", licence},
		{"homepage", p.Homepage},
		{"description", p.Description},
		{"depends", strings.Join(nonEmpty(p.PreDepends, p.Depends), ", ")},
		{"closure", fmt.Sprintf("%d packages, %.1f MiB of .deb files", len(closure.Packages), float64(size)/(1<<20))},
	}
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
		}
	}
	if listClosure {
		tw.Flush()
		for _, q := range closure.Packages {
			why := "(requested)"
			if st, ok := closure.Reason[q.Name]; ok {
				why = st.Parent + ": " + st.Rel.String()
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", q.Name, q.Version, why)
		}
	}
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// packageLicence reads the licences from the package's own copyright
// file (Debian's Packages index has no licence field): the .deb from the
// download cache, fetched and hash-checked when missing.
func packageLicence(ctx context.Context, cl *debian.Client, p *debian.Package) string {
	file, err := cl.FetchDeb(ctx, p)
	if err != nil {
		return "unknown (the .deb could not be fetched: " + err.Error() + ")"
	}
	ls, ok, err := deb.Licences(ctx, file, p.Name)
	switch {
	case err != nil:
		return "unknown (" + err.Error() + ")"
	case !ok:
		return "see /usr/share/doc/" + p.Name + "/copyright (not machine-readable)"
	case len(ls) == 0:
		return "none declared in /usr/share/doc/" + p.Name + "/copyright"
	}
	return strings.Join(ls, "; ") + " (from /usr/share/doc/" + p.Name + "/copyright)"
}
