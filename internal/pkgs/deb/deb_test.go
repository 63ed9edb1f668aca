package deb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/deb/debtest"
	"cairn.dev/cairn/internal/store/nar"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// arMember writes one ar member.
func arMember(b *bytes.Buffer, name string, data []byte) {
	fmt.Fprintf(b, "%-16s%-12s%-6s%-6s%-8s%-10d`\n", name, "0", "0", "0", "100644", len(data))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte('\n')
	}
}

// makeTar writes the headers (a body for each regular file is its name).
func makeTar(t testing.TB, hs []*tar.Header) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hs {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Name))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(h.Name))
		}
	}
	tw.Close()
	return b.Bytes()
}

func compress(t testing.TB, ext string, data []byte) []byte {
	var b bytes.Buffer
	switch ext {
	case "":
		return data
	case ".gz":
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
	case ".xz":
		w, err := xz.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(&b)
		w.Write(data)
		w.Close()
	}
	return b.Bytes()
}

// makeDeb builds a .deb whose data tar holds hs, compressed with ext.
func makeDeb(t testing.TB, ext string, hs []*tar.Header) []byte {
	var b bytes.Buffer
	b.WriteString(arMagic)
	arMember(&b, "debian-binary", []byte("2.0\n"))
	ctl := makeTar(t, []*tar.Header{{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./control", Typeflag: tar.TypeReg, Mode: 0o644}})
	arMember(&b, "control.tar"+ext, compress(t, ext, ctl))
	arMember(&b, "data.tar"+ext, compress(t, ext, makeTar(t, hs)))
	return b.Bytes()
}

func dir(name string) *tar.Header { return &tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755} }
func file(name string, mode int64) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode}
}
func symlink(name, target string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}
}
func hardlink(name, target string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target, Mode: 0o644}
}

// goodEntries is a small valid data tar: nested folders, an executable,
// a setuid file, links, an omitted parent folder.
func goodEntries() []*tar.Header {
	return []*tar.Header{
		dir("./"), dir("./usr/"), dir("./usr/bin/"),
		file("./usr/bin/tool", 0o755), file("./usr/bin/su", 0o4755),
		symlink("./usr/bin/alias", "tool"), hardlink("./usr/bin/tool2", "./usr/bin/tool"),
		file("./usr/share/doc/x/README", 0o644), symlink("./lib64", "usr/lib"),
	}
}

// listing describes a tree: path, type, permission bits, link target
// or content.
func listing(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		l := fmt.Sprintf("%s %s %o", rel, fi.Mode().Type(), fi.Mode().Perm()|fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			l += " -> " + target
		case fi.Mode().IsRegular():
			l += fmt.Sprintf(" %d bytes", fi.Size())
		}
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestUnpackSynthetic(t *testing.T) {
	for _, ext := range []string{"", ".gz", ".xz", ".zst"} {
		t.Run("data.tar"+ext, func(t *testing.T) {
			tmp := t.TempDir()
			debFile := filepath.Join(tmp, "x.deb")
			os.WriteFile(debFile, makeDeb(t, ext, goodEntries()), 0o644)
			out := filepath.Join(tmp, "out")
			if err := Unpack(context.Background(), debFile, out); err != nil {
				t.Fatal(err)
			}
			want := strings.Join([]string{
				". d--------- 755",
				"lib64 L--------- 777 -> usr/lib",
				"usr d--------- 755",
				"usr/bin d--------- 755",
				"usr/bin/alias L--------- 777 -> tool",
				"usr/bin/su ---------- 755 12 bytes",
				"usr/bin/tool ---------- 755 14 bytes",
				"usr/bin/tool2 ---------- 755 14 bytes",
				"usr/share d--------- 755",
				"usr/share/doc d--------- 755",
				"usr/share/doc/x d--------- 755",
				"usr/share/doc/x/README ---------- 644 24 bytes",
			}, "\n")
			if got := listing(t, out); got != want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, want)
			}
			b, _ := os.ReadFile(filepath.Join(out, "usr/bin/tool2"))
			if string(b) != "./usr/bin/tool" {
				t.Errorf("hard link content %q", b)
			}
		})
	}
}

func TestBadArchives(t *testing.T) {
	valid := makeDeb(t, ".gz", goodEntries())
	cases := []struct {
		name string
		deb  []byte
		want string
	}{
		{"dotdot", makeDeb(t, "", []*tar.Header{file("./../evil", 0o644)}), "not a clean relative path"},
		{"absolute", makeDeb(t, "", []*tar.Header{file("/etc/evil", 0o644)}), "not a clean relative path"},
		{"unclean", makeDeb(t, "", []*tar.Header{file("./a//b", 0o644)}), "not a clean relative path"},
		{"through symlink", makeDeb(t, "", []*tar.Header{symlink("./etc", "/etc"), file("./etc/passwd", 0o644)}), "etc is not a folder"},
		{"through symlink deeper", makeDeb(t, "", []*tar.Header{symlink("./a", "/"), file("./a/b/c", 0o644)}), "a is not a folder"},
		{"below a file", makeDeb(t, "", []*tar.Header{file("./a", 0o644), file("./a/b", 0o644)}), "a is not a folder"},
		{"char device", makeDeb(t, "", []*tar.Header{{Name: "./null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}), "device or fifo"},
		{"fifo", makeDeb(t, "", []*tar.Header{{Name: "./fifo", Typeflag: tar.TypeFifo}}), "device or fifo"},
		{"hard link forward", makeDeb(t, "", []*tar.Header{hardlink("./a", "./b"), file("./b", 0o644)}), "not an earlier regular file"},
		{"hard link to symlink", makeDeb(t, "", []*tar.Header{symlink("./s", "x"), hardlink("./a", "./s")}), "not an earlier regular file"},
		{"hard link escape", makeDeb(t, "", []*tar.Header{hardlink("./a", "../../etc/shadow")}), "not a clean relative path"},
		{"duplicate", makeDeb(t, "", []*tar.Header{file("./a", 0o644), file("./a", 0o644)}), "given twice"},
		{"root not a folder", makeDeb(t, "", []*tar.Header{file(".", 0o644)}), "root of the archive"},
		{"not ar", []byte("PK\x03\x04 hello"), "not an ar archive"},
		{"truncated", valid[:len(valid)-40], "unexpected EOF"},
		{"no data", valid[:bytes.Index(valid, []byte("data.tar"))], "no data.tar member"},
		{"bad member", append(append([]byte{}, valid...), []byte("evil.sh         0           0     0     100644  2         `\nhi")...), `unexpected member "evil.sh"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Inspect(context.Background(), bytes.NewReader(c.deb))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Inspect: %v, want an error containing %q", err, c.want)
			}
			tmp := t.TempDir()
			os.WriteFile(filepath.Join(tmp, "x.deb"), c.deb, 0o644)
			if err := Unpack(context.Background(), filepath.Join(tmp, "x.deb"), filepath.Join(tmp, "out")); err == nil {
				t.Fatal("Unpack succeeded")
			}
			if _, err := os.Lstat(filepath.Join(tmp, "evil")); err == nil {
				t.Fatal("a file escaped the output folder")
			}
		})
	}
}

func TestInspect(t *testing.T) {
	info, err := Inspect(context.Background(), bytes.NewReader(makeDeb(t, ".xz", goodEntries())))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %s %s files=%d dirs=%d symlinks=%d hardlinks=%d size=%d control=%q",
		info.Format, info.ControlMember, info.DataMember, info.Files, info.Dirs, info.Symlinks, info.Hardlinks, info.Size, info.Control)
	want := `2.0 control.tar.xz data.tar.xz files=3 dirs=3 symlinks=2 hardlinks=1 size=50 control="./control"`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestUnpackMatchesDpkg unpacks real packages from the Debian archive
// and compares the tree with what `dpkg -x` makes: the NAR hash (content,
// links, executable bits) and the listing of modes, setuid aside.
func TestUnpackMatchesDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("no dpkg")
	}
	debs := debtest.Fetch(t, "hello", "nginx-common", "libc6", "mount")
	ctx := context.Background()
	for _, debFile := range debs {
		t.Run(filepath.Base(debFile), func(t *testing.T) {
			tmp := t.TempDir()
			ours, again, theirs := filepath.Join(tmp, "ours"), filepath.Join(tmp, "again"), filepath.Join(tmp, "dpkg")
			if err := Unpack(ctx, debFile, ours); err != nil {
				t.Fatal(err)
			}
			if err := Unpack(ctx, debFile, again); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("dpkg", "-x", debFile, theirs).CombinedOutput(); err != nil {
				t.Fatalf("dpkg -x: %v\n%s", err, out)
			}
			// dpkg -x keeps setuid bits; the store drops them.
			filepath.WalkDir(theirs, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					fi, _ := d.Info()
					if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
						os.Chmod(p, fi.Mode().Perm())
					}
				}
				if err == nil && d.IsDir() {
					os.Chmod(p, 0o755)
				}
				return nil
			})
			h1, n1, err := nar.HashPath(ctx, ours, nil)
			if err != nil {
				t.Fatal(err)
			}
			h2, n2, err := nar.HashPath(ctx, theirs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !h1.Equal(h2) || n1 != n2 {
				t.Errorf("NAR hash %v (%d bytes), dpkg -x gives %v (%d bytes)", h1, n1, h2, n2)
			}
			if l1, l2 := listing(t, ours), listing(t, theirs); l1 != l2 {
				t.Errorf("modes differ from dpkg -x:\n%s\n---\n%s", l1, l2)
			}
			if l1, l2 := listing(t, ours), listing(t, again); l1 != l2 {
				t.Errorf("two unpackings differ:\n%s\n---\n%s", l1, l2)
			}
			if h3, _, _ := nar.HashPath(ctx, again, nil); !h3.Equal(h1) {
				t.Errorf("two unpackings hash %v and %v", h1, h3)
			}
		})
	}
}
