package nar

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"sync"
	"syscall"

	"cairn.dev/cairn/internal/store/nixhash"
)

// HashPath returns the sha256 hash of the NAR serialisation of the tree at
// root and the NAR's size, as nix-hash --type sha256 (or
// nix-store --dump | sha256sum) computes them.
//
// Two goroutines share the work: one walks the tree (reads directories,
// stats and opens files), the other reads each open file into a small
// buffer and hashes it. Reading and hashing stay on one core, so the
// hash works on data that is still in that core's cache; only the system
// calls that find and open the files move to the other.
func HashPath(ctx context.Context, root string, filter Filter) (nixhash.Hash, int64, error) {
	ph := newPipeHasher(sha256.New())
	err := Dump(ctx, ph, root, filter)
	sum, n, herr := ph.finish()
	if err == nil {
		err = herr
	}
	if err != nil {
		return nixhash.Hash{}, 0, err
	}
	return nixhash.Hash{Algo: nixhash.SHA256, Digest: sum}, n, nil
}

// pipeHasher is the destination of a Dump that hashes on its own
// goroutine: NAR tokens are passed as bytes, file contents as open
// descriptors (fileTaker).
type pipeHasher struct {
	h     hash.Hash
	toks  []byte // tokens not yet queued
	items chan hashItem
	free  chan []byte // token buffers for reuse
	fds   chan int    // descriptors to close, off the hashing goroutine
	done  sync.WaitGroup
	total int64
	err   error // set by the hashing goroutine; read after done.Wait
}

// hashItem is a run of tokens, or a file to read.
type hashItem struct {
	toks   []byte
	pooled bool // toks is from the pool
	fd     int
	size   int64
	path   string
}

// queued bounds the files opened ahead of the hashing.
const queued = 64

func newPipeHasher(h hash.Hash) *pipeHasher {
	p := &pipeHasher{h: h, items: make(chan hashItem, queued), free: make(chan []byte, queued+1), fds: make(chan int, queued)}
	for i := 0; i <= queued; i++ {
		p.free <- make([]byte, 0, 4096)
	}
	p.toks = <-p.free
	p.done.Add(2)
	go p.hashLoop()
	go func() {
		defer p.done.Done()
		for fd := range p.fds {
			syscall.Close(fd)
		}
	}()
	return p
}

func (p *pipeHasher) hashLoop() {
	defer p.done.Done()
	defer close(p.fds)
	buf := make([]byte, 256<<10)
	for it := range p.items {
		if it.toks != nil {
			p.h.Write(it.toks)
			if it.pooled {
				p.free <- it.toks[:0]
			}
			continue
		}
		if p.err == nil {
			p.err = p.hashFile(it, buf)
		}
		p.fds <- it.fd
	}
}

func (p *pipeHasher) hashFile(it hashItem, buf []byte) error {
	left := it.size
	for left > 0 {
		b := buf
		if int64(len(b)) > left {
			b = b[:left]
		}
		n, err := fdReader(it.fd).Read(b)
		if err == io.EOF {
			return fmt.Errorf("reading '%s': file shrank by %d bytes while being read", it.path, left)
		}
		if err != nil {
			return fmt.Errorf("reading '%s': %w", it.path, err)
		}
		p.h.Write(b[:n])
		left -= int64(n)
	}
	return nil
}

// flushToks queues the tokens written so far.
func (p *pipeHasher) flushToks() {
	if len(p.toks) > 0 {
		p.items <- hashItem{toks: p.toks, pooled: true}
		p.toks = <-p.free
	}
}

func (p *pipeHasher) Write(b []byte) (int, error) {
	if len(p.toks)+len(b) > cap(p.toks) {
		p.flushToks()
	}
	if len(b) > cap(p.toks) {
		// A long name or symlink target: queue a copy of its own.
		p.items <- hashItem{toks: append([]byte(nil), b...)}
	} else {
		p.toks = append(p.toks, b...)
	}
	p.total += int64(len(b))
	return len(b), nil
}

func (p *pipeHasher) takeFile(fd int, size int64, path string) {
	p.flushToks()
	p.items <- hashItem{fd: fd, size: size, path: path}
	p.total += size
}

// finish hashes what is left and returns the digest, the byte count and
// the first error met reading a file.
func (p *pipeHasher) finish() ([]byte, int64, error) {
	p.flushToks()
	close(p.items)
	p.done.Wait()
	return p.h.Sum(nil), p.total, p.err
}
