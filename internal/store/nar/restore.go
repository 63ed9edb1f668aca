package nar

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Restore reads a NAR from r and recreates its tree at dst, which must
// not exist. Files get mode 0644 (0755 when executable), directories
// 0755; nothing is created outside dst, since entry names never contain
// "/" and are never "." or "..". On error the partial tree is left for
// the caller to remove.
func Restore(r io.Reader, dst string) error {
	nr := NewReader(r)
	buf := make([]byte, 256<<10)
	for {
		e, err := nr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(e.Path))
		switch e.Type {
		case Directory:
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
		case Symlink:
			if err := os.Symlink(e.Target, p); err != nil {
				return err
			}
		case Regular:
			mode := os.FileMode(0o644)
			if e.Executable {
				mode = 0o755
			}
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
			if err != nil {
				return err
			}
			n, err := io.CopyBuffer(f, nr, buf)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("restoring %s: %w", p, err)
			}
			if n != e.Size {
				return fmt.Errorf("restoring %s: wrote %d of %d bytes", p, n, e.Size)
			}
		}
	}
}
