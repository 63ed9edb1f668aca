package xz

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	uxz "github.com/ulikunitz/xz"

	"cairn.dev/cairn/internal/pkgs/deb/debtest"
)

// inputs are data of different kinds: empty, text, incompressible (xz
// stores it in uncompressed LZMA2 chunks), long runs (overlapping
// matches), and a mix larger than the smallest dictionary, so matches
// reach back across a wrapped window.
func inputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	var text bytes.Buffer
	words := strings.Fields("the store path of a package is the hash of its inputs and its name unpacked from the archive")
	for text.Len() < 1<<20 {
		text.WriteString(words[r.IntN(len(words))])
		if r.IntN(10) == 0 {
			fmt.Fprintf(&text, " %d\n", r.IntN(100000))
		} else {
			text.WriteByte(' ')
		}
	}
	var mix bytes.Buffer
	for mix.Len() < 3<<19 {
		switch r.IntN(4) {
		case 0:
			mix.Write(random[:r.IntN(64<<10)])
		case 1:
			mix.Write(bytes.Repeat([]byte{byte(r.IntN(256))}, r.IntN(100000)))
		default:
			off := r.IntN(text.Len() - 70000)
			mix.Write(text.Bytes()[off : off+r.IntN(70000)])
		}
	}
	return map[string][]byte{
		"empty":  nil,
		"byte":   {'x'},
		"text":   text.Bytes(),
		"random": random,
		"runs":   bytes.Repeat([]byte("ab"), 1<<20),
		"mix":    mix.Bytes(),
	}
}

// compress runs the xz command with args on data.
func compress(t *testing.T, data []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("xz", append([]string{"-c", "-z"}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("xz %v: %v: %s", args, err, errb.Bytes())
	}
	return out.Bytes()
}

func decompress(data []byte) ([]byte, error) {
	z, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// TestMatchesXZ decompresses what the xz command (XZ Utils, the
// compressor dpkg-deb uses) makes of each input with each set of
// options, and compares with the input.
func TestMatchesXZ(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("no xz command")
	}
	options := [][]string{
		{"-0"},
		{"-6"},
		{"-9e", "--check=sha256"},
		{"--check=crc32"},
		{"--check=none"},
		{"--lzma2=preset=1,dict=4KiB,lc=0,lp=4,pb=0"},
		{"--lzma2=preset=6,lc=4,lp=0,pb=4"},
		{"--block-size=200KiB", "-T1"},
		{"--format=xz", "-T2", "--block-size=1MiB", "--check=crc64"},
	}
	for name, data := range inputs() {
		for _, opts := range options {
			t.Run(name+strings.Join(opts, ""), func(t *testing.T) {
				got, err := decompress(compress(t, data, opts...))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Fatalf("decompressed %d bytes that differ from the %d compressed", len(got), len(data))
				}
			})
		}
	}
}

// TestStreams reads concatenated streams with stream padding between
// and after them, as xz does.
func TestStreams(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("no xz command")
	}
	a, b := []byte("first stream\n"), bytes.Repeat([]byte("second "), 1000)
	var in bytes.Buffer
	in.Write(compress(t, a))
	in.Write(make([]byte, 8))
	in.Write(compress(t, b, "--check=crc32"))
	in.Write(make([]byte, 4))
	got, err := decompress(in.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte(nil), a...), b...); !bytes.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	// Padding that is not a multiple of four bytes is corruption.
	in.Write([]byte{0})
	if _, err := decompress(in.Bytes()); err == nil {
		t.Fatal("accepted 5 bytes of stream padding")
	}
}

// TestCorrupt changes, truncates and extends valid files: every change
// of a header, the LZMA2 data, a check or the index is an error, never a
// panic or different output taken as right.
func TestCorrupt(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("no xz command")
	}
	data := inputs()["text"][:100<<10]
	for _, opts := range [][]string{{"--check=crc64"}, {"--check=sha256", "--block-size=30KiB"}} {
		good := compress(t, data, opts...)
		r := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < 300; i++ {
			bad := bytes.Clone(good)
			var what string
			switch i % 3 {
			case 0:
				pos := r.IntN(len(bad))
				bad[pos] ^= byte(1 + r.IntN(255))
				what = fmt.Sprintf("byte %d changed", pos)
			case 1:
				n := r.IntN(len(bad))
				bad = bad[:n]
				what = fmt.Sprintf("truncated to %d bytes", n)
			default:
				bad = append(bad, 1, 2, 3, 4)
				what = "garbage after the stream"
			}
			got, err := decompress(bad)
			if err == nil && !bytes.Equal(got, data) {
				t.Fatalf("%v, %s: no error, and different output", opts, what)
			}
			if err == nil && i%3 != 0 {
				t.Fatalf("%v, %s: no error", opts, what)
			}
		}
	}
}

// TestDebianPackages decompresses the data.tar.xz of real packages and
// compares with github.com/ulikunitz/xz (skipped without the archive).
func TestDebianPackages(t *testing.T) {
	for _, f := range debtest.Fetch(t, "libc6", "hello", "nginx-common") {
		data := dataMember(t, f)
		got, err := decompress(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		u, err := uxz.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want, err := io.ReadAll(u)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: %d bytes, github.com/ulikunitz/xz gives %d different ones", f, len(got), len(want))
		}
	}
}

// dataMember returns the data.tar.xz member of a .deb (an ar archive:
// a magic line, then per member a 60-byte header and the content padded
// to an even size).
func dataMember(t *testing.T, debFile string) []byte {
	t.Helper()
	b, err := os.ReadFile(debFile)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := bytes.CutPrefix(b, []byte("!<arch>\n"))
	for ok && len(b) >= 60 {
		name := strings.TrimRight(string(b[:16]), " /")
		size, err := strconv.Atoi(strings.TrimSpace(string(b[48:58])))
		if err != nil || size > len(b)-60 {
			break
		}
		if name == "data.tar.xz" {
			return b[60 : 60+size]
		}
		b = b[min(len(b), 60+size+size%2):]
	}
	t.Fatalf("%s: no data.tar.xz member", debFile)
	return nil
}
