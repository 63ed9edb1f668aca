package supervise

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultMaxLogSize is the size at which a unit's log is rotated to NAME.log.1.
const DefaultMaxLogSize = 1 << 20

// logFile is a unit's log: appended lines with a timestamp, rotated by size.
type logFile struct {
	mu   sync.Mutex
	path string
	max  int64
	now  func() time.Time
	f    *os.File
	size int64
}

func openLog(path string, max int64, now func() time.Time) *logFile {
	return &logFile{path: path, max: max, now: now}
}

// Line appends one line.
func (l *logFile) Line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return
		}
		st, _ := f.Stat()
		l.f, l.size = f, st.Size()
	}
	if l.max > 0 && l.size >= l.max {
		l.f.Close()
		os.Rename(l.path, l.path+".1")
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
		if err != nil {
			l.f = nil
			return
		}
		l.f, l.size = f, 0
	}
	line := l.now().UTC().Format(time.RFC3339) + " " + strings.TrimRight(s, "\r\n") + "\n"
	n, _ := l.f.WriteString(line)
	l.size += int64(n)
}

// Printf appends a line written by the supervisor itself.
func (l *logFile) Printf(format string, args ...any) {
	l.Line("cairn: " + fmt.Sprintf(format, args...))
}

// copyFrom copies r's lines into the log until r ends.
func (l *logFile) copyFrom(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.Line(sc.Text())
	}
}

func (l *logFile) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// ReadLog returns the last n lines (all when n <= 0) of unit name's log
// under root, reading the rotated file too when needed.
func ReadLog(root, name string, n int) ([]string, error) {
	p := Paths{root}.Log(name)
	cur, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	lines := splitLines(cur)
	if n <= 0 || len(lines) < n {
		if old, err := os.ReadFile(p + ".1"); err == nil {
			lines = append(splitLines(old), lines...)
		}
	}
	if n > 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

func splitLines(b []byte) []string {
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\n")
}

// FollowLog writes unit name's log to w as it grows, until ctx ends; it
// starts at the current end and follows rotations.
func FollowLog(ctx context.Context, root, name string, w io.Writer) error {
	p := Paths{root}.Log(name)
	var f *os.File
	var ino uint64
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	open := func(atEnd bool) {
		nf, err := os.Open(p)
		if err != nil {
			return
		}
		if atEnd {
			nf.Seek(0, io.SeekEnd)
		}
		f, ino = nf, inode(nf)
	}
	open(true)
	buf := make([]byte, 32<<10)
	for {
		if f != nil {
			for {
				n, _ := f.Read(buf)
				if n == 0 {
					break
				}
				if _, err := w.Write(buf[:n]); err != nil {
					return err
				}
			}
			if st, err := os.Stat(p); err == nil && inodeOf(st) != ino {
				// Rotated: finish the old file, then read the new one.
				if _, err := io.Copy(w, f); err != nil {
					return err
				}
				f.Close()
				f = nil
				open(false)
				continue
			}
		} else {
			open(false)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}
