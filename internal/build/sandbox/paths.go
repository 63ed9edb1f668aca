package sandbox

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultPaths returns the sandbox paths every build gets unless
// configured otherwise: /bin/sh and the closure of what it needs to run
// (its ELF interpreter and shared libraries), as Nix's sandbox-paths
// default of /bin/sh does on a host whose shell is not in a store. Each
// target is the path as the program names it; each source is that path
// with every symlink resolved on the host.
func DefaultPaths() (map[string]string, error) {
	return Closure("/bin/sh")
}

// Closure returns the given programs and everything the dynamic loader
// needs to run them: the ELF interpreter named in PT_INTERP, and the
// libraries named in DT_NEEDED, found as the loader finds them when it
// has no cache (DT_RPATH, DT_RUNPATH, then the system directories), and so
// on for each of those. The map is target -> source as in Spec.Paths.
func Closure(programs ...string) (map[string]string, error) {
	type item struct {
		path string   // a path, or a library name to look for in dirs
		dirs []string // where to look, for a library name
		from *deps    // the object that needs the library
	}
	paths := map[string]string{}
	loaded := map[string]bool{} // sonames and base names of what is in paths
	var queue []item
	for _, p := range programs {
		queue = append(queue, item{path: p})
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		p := it.path
		if it.dirs != nil {
			// The loader takes a library whose soname is loaded already
			// (the interpreter, for libc's DT_NEEDED) as found.
			if loaded[p] {
				continue
			}
			found := ""
			for _, d := range it.dirs {
				if cand := filepath.Join(d, p); it.from.sameKind(cand) {
					found = cand
					break
				}
			}
			if found == "" {
				return nil, fmt.Errorf("sandbox paths: library %s not found in %s", p, strings.Join(it.dirs, ":"))
			}
			p = found
		}
		if _, done := paths[p]; done {
			continue
		}
		src, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("sandbox paths: %w", err)
		}
		paths[p] = src
		loaded[filepath.Base(p)] = true
		d, err := elfDeps(src)
		if err != nil {
			return nil, fmt.Errorf("sandbox paths: %s: %w", p, err)
		}
		if d.soname != "" {
			loaded[d.soname] = true
		}
		for _, interp := range d.interp {
			queue = append(queue, item{path: interp})
		}
		for _, lib := range d.needed {
			if strings.Contains(lib, "/") {
				queue = append(queue, item{path: lib})
			} else {
				queue = append(queue, item{path: lib, dirs: d.dirs, from: &d})
			}
		}
	}
	return paths, nil
}

// deps is what an ELF file asks of the loader.
type deps struct {
	interp []string // PT_INTERP
	needed []string // DT_NEEDED
	soname string   // DT_SONAME
	dirs   []string // where its libraries are looked for
	class  elf.Class
	mach   elf.Machine
}

// sameKind reports whether p is an ELF file of d's class and machine, as
// the loader requires of a library.
func (d *deps) sameKind(p string) bool {
	if !isELF(p) {
		return false
	}
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Class == d.class && f.Machine == d.mach
}

// elfDeps reads the interpreter, the libraries and the library search
// path of an ELF file; a file that is not ELF needs nothing.
func elfDeps(file string) (deps, error) {
	var d deps
	if !isELF(file) {
		return d, nil
	}
	f, err := elf.Open(file)
	if err != nil {
		return d, err
	}
	defer f.Close()
	d.class, d.mach = f.Class, f.Machine
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, prog.Filesz)
		if _, err := prog.ReadAt(b, 0); err != nil {
			return d, fmt.Errorf("reading PT_INTERP: %w", err)
		}
		d.interp = append(d.interp, strings.TrimRight(string(b), "\x00"))
	}
	if d.needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return d, nil // static: no dynamic section
	}
	if so, _ := f.DynString(elf.DT_SONAME); len(so) > 0 {
		d.soname = so[0]
	}
	for _, tag := range []elf.DynTag{elf.DT_RPATH, elf.DT_RUNPATH} {
		vals, _ := f.DynString(tag)
		for _, v := range vals {
			for _, dir := range strings.Split(v, ":") {
				dir = strings.ReplaceAll(dir, "${ORIGIN}", filepath.Dir(file))
				dir = strings.ReplaceAll(dir, "$ORIGIN", filepath.Dir(file))
				if dir != "" {
					d.dirs = append(d.dirs, dir)
				}
			}
		}
	}
	d.dirs = append(d.dirs, systemDirs(f)...)
	return d, nil
}

// systemDirs are the loader's built-in directories for f's kind of
// machine: the multiarch directories first, as Debian's glibc has them.
func systemDirs(f *elf.File) []string {
	triplet := map[elf.Machine]string{
		elf.EM_X86_64:  "x86_64-linux-gnu",
		elf.EM_AARCH64: "aarch64-linux-gnu",
		elf.EM_386:     "i386-linux-gnu",
		elf.EM_ARM:     "arm-linux-gnueabihf",
		elf.EM_RISCV:   "riscv64-linux-gnu",
		elf.EM_PPC64:   "powerpc64le-linux-gnu",
		elf.EM_S390:    "s390x-linux-gnu",
	}[f.Machine]
	var dirs []string
	if triplet != "" {
		dirs = append(dirs, "/lib/"+triplet, "/usr/lib/"+triplet)
	}
	if f.Class == elf.ELFCLASS64 {
		dirs = append(dirs, "/lib64", "/usr/lib64")
	}
	return append(dirs, "/lib", "/usr/lib")
}

// isELF reports whether p is a regular file that starts like an ELF file.
func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == elf.ELFMAG
}
