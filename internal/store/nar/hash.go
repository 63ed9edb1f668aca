package nar

import (
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"sync"

	"cairn.dev/cairn/internal/store/nixhash"
)

// HashPath returns the sha256 hash of the NAR serialisation of the tree at
// root and the NAR's size, as nix-hash --type sha256 (or
// nix-store --dump | sha256sum) computes them. Reading the files overlaps
// with hashing, which runs on its own goroutine.
func HashPath(ctx context.Context, root string, filter Filter) (nixhash.Hash, int64, error) {
	ph := newPipeHasher(sha256.New())
	err := Dump(ctx, ph, root, filter)
	sum, n := ph.finish()
	if err != nil {
		return nixhash.Hash{}, 0, err
	}
	return nixhash.Hash{Algo: nixhash.SHA256, Digest: sum}, n, nil
}

// pipeHasher is an io.Writer (and chunkReader) that hands filled chunks
// to a goroutine hashing them, so that the next chunk is read while the
// last is hashed.
type pipeHasher struct {
	h     hash.Hash
	cur   []byte
	full  chan []byte
	free  chan []byte
	done  sync.WaitGroup
	total int64
}

// Chunks small enough to stay in the caches; enough of them to keep
// the hashing goroutine busy while a file is opened.
const (
	chunkSize = 256 << 10
	chunks    = 8
)

func newPipeHasher(h hash.Hash) *pipeHasher {
	p := &pipeHasher{h: h, full: make(chan []byte, chunks), free: make(chan []byte, chunks)}
	for i := 0; i < chunks; i++ {
		p.free <- make([]byte, 0, chunkSize)
	}
	p.cur = <-p.free
	p.done.Add(1)
	go p.hashLoop()
	return p
}

func (p *pipeHasher) hashLoop() {
	defer p.done.Done()
	for b := range p.full {
		p.h.Write(b)
		p.free <- b[:0]
	}
}

func (p *pipeHasher) send() {
	p.full <- p.cur
	p.cur = <-p.free
}

func (p *pipeHasher) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		k := copy(p.cur[len(p.cur):cap(p.cur)], b)
		p.cur = p.cur[:len(p.cur)+k]
		b = b[k:]
		if len(p.cur) == cap(p.cur) {
			p.send()
		}
	}
	p.total += int64(n)
	return n, nil
}

// readChunks reads from r straight into the chunks.
func (p *pipeHasher) readChunks(r io.Reader) (int64, error) {
	var total int64
	for {
		n, err := r.Read(p.cur[len(p.cur):cap(p.cur)])
		p.cur = p.cur[:len(p.cur)+n]
		total += int64(n)
		if len(p.cur) == cap(p.cur) {
			p.send()
		}
		if err == io.EOF {
			p.total += total
			return total, nil
		}
		if err != nil {
			p.total += total
			return total, err
		}
	}
}

// finish hashes what is left and returns the digest and the byte count.
func (p *pipeHasher) finish() ([]byte, int64) {
	if len(p.cur) > 0 {
		p.full <- p.cur
	}
	close(p.full)
	p.done.Wait()
	return p.h.Sum(nil), p.total
}
