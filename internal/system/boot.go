package system

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/atomicfile"
)

func entryName(n int) string { return fmt.Sprintf("cairn-generation-%d.conf", n) }

// BootEntry renders generation n's Boot Loader Specification entry. The
// kernel and initrd lines appear only when the toplevel has them.
func (p *Profiles) BootEntry(n int) ([]byte, error) {
	list, err := p.List()
	if err != nil {
		return nil, err
	}
	for _, in := range list {
		if in.Number != n {
			continue
		}
		var b strings.Builder
		title := fmt.Sprintf("cairn (Generation %d, %s", n, in.Date.Format("2006-01-02"))
		if in.Revision != nil {
			title += ", " + in.Revision.String()
		}
		fmt.Fprintf(&b, "title %s)\n", title)
		fmt.Fprintf(&b, "version Generation %d\n", n)
		fmt.Fprintf(&b, "sort-key cairn\n")
		link := filepath.Join(ProfilesDir, filepath.Base(p.LinkPath(n)))
		host := p.Root.Host(in.Toplevel)
		if _, err := os.Stat(filepath.Join(host, "kernel")); err == nil {
			fmt.Fprintf(&b, "linux %s/kernel\n", link)
		}
		if _, err := os.Stat(filepath.Join(host, "initrd")); err == nil {
			fmt.Fprintf(&b, "initrd %s/initrd\n", link)
		}
		opts := "init=" + link + "/init"
		if kp, err := os.ReadFile(filepath.Join(host, "kernel-params")); err == nil && len(strings.TrimSpace(string(kp))) > 0 {
			opts += " " + strings.Join(strings.Fields(string(kp)), " ")
		}
		fmt.Fprintf(&b, "options %s\n", opts)
		return []byte(b.String()), nil
	}
	return nil, fmt.Errorf("generation %d does not exist", n)
}

// WriteBootEntries writes an entry for every generation, removes entries
// of generations that are gone, and makes the newest the default in
// loader.conf the one the profile points to: the newest after a switch, the
// older one after a rollback (keeping loader.conf's other lines).
func (p *Profiles) WriteBootEntries() error {
	ns, err := p.Numbers()
	if err != nil {
		return err
	}
	dir := p.Root.Host(EntriesDir)
	keep := map[string]bool{}
	for _, n := range ns {
		data, err := p.BootEntry(n)
		if err != nil {
			return err
		}
		keep[entryName(n)] = true
		if _, err := atomicfile.WriteFile(filepath.Join(dir, entryName(n)), data, 0o644); err != nil {
			return fmt.Errorf("boot entry: %w", err)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "cairn-generation-") && strings.HasSuffix(e.Name(), ".conf") && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if len(ns) == 0 {
		return nil
	}
	conf := p.Root.Host(LoaderConf)
	old, err := os.ReadFile(conf)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
		if l != "" && !strings.HasPrefix(strings.TrimSpace(l), "default ") {
			lines = append(lines, l)
		}
	}
	def := ns[len(ns)-1]
	if cur, err := p.Current(); err == nil && cur > 0 {
		def = cur
	}
	lines = append([]string{"default " + entryName(def)}, lines...)
	_, err = atomicfile.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	return err
}
