package sandbox

import (
	"debug/elf"
	"errors"
	"fmt"
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
	paths := map[string]string{}
	queue := append([]string(nil), programs...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if _, done := paths[p]; done {
			continue
		}
		src, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("sandbox paths: %w", err)
		}
		paths[p] = src
		deps, err := elfDeps(src)
		if err != nil {
			return nil, fmt.Errorf("sandbox paths: %s: %w", p, err)
		}
		queue = append(queue, deps...)
	}
	return paths, nil
}

// elfDeps lists the interpreter and the resolved libraries an ELF file
// needs; a file that is not ELF needs nothing.
func elfDeps(file string) ([]string, error) {
	f, err := elf.Open(file)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var deps []string
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, prog.Filesz)
		if _, err := prog.ReadAt(b, 0); err != nil {
			return nil, fmt.Errorf("reading PT_INTERP: %w", err)
		}
		deps = append(deps, strings.TrimRight(string(b), "\x00"))
	}
	needed, err := f.DynString(elf.DT_NEEDED)
	if err != nil || len(needed) == 0 {
		return deps, nil // static, or no dynamic section
	}
	var dirs []string
	for _, tag := range []elf.DynTag{elf.DT_RPATH, elf.DT_RUNPATH} {
		vals, _ := f.DynString(tag)
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				d = strings.ReplaceAll(d, "$ORIGIN", filepath.Dir(file))
				d = strings.ReplaceAll(d, "${ORIGIN}", filepath.Dir(file))
				if d != "" {
					dirs = append(dirs, d)
				}
			}
		}
	}
	dirs = append(dirs, systemDirs(f)...)
	for _, lib := range needed {
		if strings.Contains(lib, "/") {
			deps = append(deps, lib)
			continue
		}
		found := ""
		for _, d := range dirs {
			cand := filepath.Join(d, lib)
			if sameKind(cand, f) {
				found = cand
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("library %s not found in %s", lib, strings.Join(dirs, ":"))
		}
		deps = append(deps, found)
	}
	return deps, nil
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

// sameKind reports whether p is an ELF file of f's class and machine, as
// the loader requires of a library.
func sameKind(p string, f *elf.File) bool {
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	g, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer g.Close()
	return g.Class == f.Class && g.Machine == f.Machine
}
