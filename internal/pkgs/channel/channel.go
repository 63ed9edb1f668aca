// Package channel keeps cairn's package channels: which Debian suite of
// which mirror a configuration takes its packages from, pinned in a lock
// file (cairn.lock, JSON, beside the configuration) by the date and hash
// of the suite's signed InRelease and the hashes of the Packages indexes
// used, so that every later evaluation reads exactly the same indexes.
package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/pkgs/debian"
)

// LockName is the lock file's name, beside the configuration.
const LockName = "cairn.lock"

// Lock is the content of cairn.lock.
type Lock struct {
	Version  int       `json:"version"`
	Channels []Channel `json:"channels"` // in the order they were added: a package name comes from the first that has it
}

// Channel is one Debian channel and its pins.
type Channel struct {
	Name         string   `json:"name"`
	Suite        string   `json:"suite"`
	Mirror       string   `json:"mirror"`
	Components   []string `json:"components"`
	Architecture string   `json:"architecture"`
	// Set by Update from the verified InRelease:
	Date      time.Time         `json:"date,omitzero"`
	InRelease string            `json:"inRelease,omitempty"` // SHA256 of the InRelease file
	ByHash    bool              `json:"byHash,omitempty"`
	Indexes   []debian.IndexPin `json:"indexes,omitempty"`
}

// ReadLock reads the lock file at path; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Lock{Version: 1}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("%s: lock version %d, this cairn reads version 1", path, l.Version)
	}
	for i, c := range l.Channels {
		if c.Name == "" || c.Suite == "" || c.Mirror == "" || c.Architecture == "" || len(c.Components) == 0 {
			return nil, fmt.Errorf("%s: channel %d (%q) lacks name, suite, mirror, architecture or components", path, i+1, c.Name)
		}
	}
	return &l, nil
}

// Marshal returns the lock as written to disk.
func (l *Lock) Marshal() []byte {
	data, _ := json.MarshalIndent(l, "", "  ")
	return append(data, '\n')
}

// WriteLock writes the lock to path atomically, and only when it changed.
func WriteLock(path string, l *Lock) error {
	_, err := atomicfile.WriteFile(path, l.Marshal(), 0o644)
	return err
}

// Find returns the channel named name, or nil.
func (l *Lock) Find(name string) *Channel {
	for i := range l.Channels {
		if l.Channels[i].Name == name {
			return &l.Channels[i]
		}
	}
	return nil
}

// Client returns a Debian client for the channel's mirror.
func (c *Channel) Client(cacheDir string, kr *debian.Keyring) *debian.Client {
	return &debian.Client{Mirror: c.Mirror, CacheDir: cacheDir, Keyring: kr}
}

// Update fetches and verifies the channel's suite and its Packages
// indexes, and pins them in c.
func (c *Channel) Update(ctx context.Context, cl *debian.Client) error {
	s, err := cl.FetchSuite(ctx, c.Suite)
	if err != nil {
		return fmt.Errorf("channel %s: %w", c.Name, err)
	}
	var pins []debian.IndexPin
	for _, comp := range c.Components {
		f, err := cl.Packages(ctx, s, comp, c.Architecture)
		if err != nil {
			return fmt.Errorf("channel %s: %w", c.Name, err)
		}
		pin := f.Pin
		if pin.StorePath, err = pin.ComputeStorePath("/nix/store", c.Suite); err != nil {
			return fmt.Errorf("channel %s: %w", c.Name, err)
		}
		pins = append(pins, pin)
	}
	c.Date, c.InRelease, c.ByHash, c.Indexes = s.Release.Date, s.SHA256, s.Release.AcquireByHash, pins
	return nil
}

// Index returns the merged Packages indexes pinned in c, from the cache
// or fetched by hash, each checked against its pin.
func (c *Channel) Index(ctx context.Context, cl *debian.Client) (*debian.Index, error) {
	if len(c.Indexes) == 0 {
		return nil, fmt.Errorf("channel %s has no pinned indexes (run 'cairn channel update')", c.Name)
	}
	var idxs []*debian.Index
	for _, pin := range c.Indexes {
		idx, err := cl.PinnedIndex(ctx, c.Suite, c.ByHash, pin)
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", c.Name, err)
		}
		idxs = append(idxs, idx)
	}
	if len(idxs) == 1 {
		return idxs[0], nil
	}
	return debian.Merge(idxs...), nil
}
