package build

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/store/derivation"
)

// fetchURLBuilder is the builder whose downloads the download cache
// holds (package builtin, fetchurl.go): its output is always one
// regular, non-executable file with a flat sha256.
const fetchURLBuilder = "builtin:cairn-fetchurl"

// cachedDownload reports the file of the download cache that holds the
// output of a builtin:cairn-fetchurl derivation, and its sha256 in hex;
// "" when the cache is off or the derivation is not such a download.
func (b *Builder) cachedDownload(d *derivation.Derivation) (file, sum string) {
	if b.opts.Downloads == "" || d.Builder != fetchURLBuilder || len(d.Outputs) != 1 {
		return "", ""
	}
	o, ok := d.Outputs["out"]
	if !ok || o.HashAlgo != "sha256" {
		return "", "" // "r:sha256" would hash a NAR, not the file
	}
	sum = strings.ToLower(o.Hash)
	if raw, err := hex.DecodeString(sum); err != nil || len(raw) != sha256.Size {
		return "", ""
	}
	return filepath.Join(b.opts.Downloads, "by-hash", "SHA256", sum), sum
}

// fromDownloads makes the output of a builtin:cairn-fetchurl derivation
// from the download cache, as its builder would from the network: the
// cached file is copied into the store (a temporary name, then renamed to
// the output) and used only if its sha256 is the declared one. It reports
// whether the output was made; a missing or wrong cached file is not an
// error, the build then downloads it.
func (b *Builder) fromDownloads(n *node) (bool, error) {
	file, sum := b.cachedDownload(n.drv)
	if file == "" {
		return false, nil
	}
	in, err := os.Open(file)
	if err != nil {
		return false, nil
	}
	defer in.Close()
	dest := b.st.RealPath(n.drv.Outputs["out"].Path)
	tmp, err := os.CreateTemp(b.st.RealStoreDir(), ".cairn-build-")
	if err != nil {
		return false, fmt.Errorf("copying %s into the store: %w", file, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), in)
	if err == nil {
		err = tmp.Chmod(0o444)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && hex.EncodeToString(h.Sum(nil)) != sum {
		b.progress("warning: ignoring %s: its sha256 is %x", file, h.Sum(nil))
		os.Remove(tmp.Name())
		return false, nil
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return false, fmt.Errorf("copying %s into the store: %w", file, err)
	}
	return true, nil
}

// keepDownload adds the output of a builtin:cairn-fetchurl derivation,
// just built and registered, to the download cache (a temporary name in
// the cache folder, synced, then renamed), so that the next store that
// needs the file copies it rather than downloading it. Failing to is a
// warning, not a failed build.
func (b *Builder) keepDownload(n *node) {
	file, _ := b.cachedDownload(n.drv)
	if file == "" {
		return
	}
	if _, err := os.Stat(file); err == nil {
		return
	}
	if err := copyFileSync(b.st.RealPath(n.drv.Outputs["out"].Path), file); err != nil {
		b.progress("warning: keeping the download of '%s': %v", n.drvPath, err)
	}
}

// copyFileSync copies src to dst atomically and durably.
func copyFileSync(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
