package system

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
		if in.Number == n {
			return p.bootEntry(in), nil
		}
	}
	return nil, fmt.Errorf("generation %d does not exist", n)
}

func (p *Profiles) bootEntry(in Info) []byte {
	var b strings.Builder
	title := fmt.Sprintf("cairn (Generation %d, %s", in.Number, in.Date.Format("2006-01-02"))
	if in.Revision != nil {
		title += ", " + in.Revision.String()
	}
	fmt.Fprintf(&b, "title %s)\n", title)
	fmt.Fprintf(&b, "version Generation %d\n", in.Number)
	fmt.Fprintf(&b, "sort-key cairn\n")
	link := p.inRootLink(in.Number)
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
	return []byte(b.String())
}

// loaderConf renders loader.conf with generation def as the default,
// keeping the file's other lines.
func (p *Profiles) loaderConf(def int) ([]byte, error) {
	old, err := os.ReadFile(p.Root.Host(LoaderConf))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
		if l != "" && !strings.HasPrefix(strings.TrimSpace(l), "default ") {
			lines = append(lines, l)
		}
	}
	lines = append([]string{"default " + entryName(def)}, lines...)
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// WriteBootEntries writes an entry for every generation, removes entries
// of generations that are gone, and makes the default in loader.conf the
// generation the profile points to (the newest when there is no profile):
// the newest after a switch, the older one after a rollback. loader.conf's
// other lines are kept.
func (p *Profiles) WriteBootEntries() error {
	put, remove, err := p.Entries(ProfileChange{})
	if err != nil {
		return err
	}
	if err := p.Put(put, remove); err != nil {
		return fmt.Errorf("boot entries: %w", err)
	}
	return nil
}
