package deb

import "io"

// readahead decompresses on its own goroutine, a few chunks ahead of
// the tar reader, so that decompression overlaps writing the files (on
// one package, the two take about the same time).
type readahead struct {
	chunks chan []byte
	free   chan []byte
	stop   chan struct{}
	done   chan struct{}
	cur    []byte
	buf    []byte // the chunk cur is a slice of, to give back
	err    error  // the producer's final error, read after chunks closes
}

const (
	chunkSize = 128 << 10
	chunks    = 4
)

func newReadahead(r io.Reader) *readahead {
	ra := &readahead{
		chunks: make(chan []byte, chunks),
		free:   make(chan []byte, chunks+1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	for range chunks + 1 {
		ra.free <- make([]byte, chunkSize)
	}
	go ra.produce(r)
	return ra
}

func (ra *readahead) produce(r io.Reader) {
	defer close(ra.done)
	defer close(ra.chunks)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := io.ReadFull(r, b)
		if n > 0 {
			select {
			case ra.chunks <- b[:n]:
			case <-ra.stop:
				return
			}
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		if err != nil {
			ra.err = err
			return
		}
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		b, ok := <-ra.chunks
		if !ok {
			return 0, ra.err
		}
		ra.cur, ra.buf = b, b
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the producer and waits for it.
func (ra *readahead) Close() {
	close(ra.stop)
	<-ra.done
}
