package activate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/system"
)

// JournalFile is the in-root path of the switch journal.
const JournalFile = StateDir + "/switch-journal"

// The phases of a switch, as its journal records them.
const (
	// PhasePrepare: the new files are being staged; the root is still
	// exactly the old generation. Recovery discards the staging folders.
	PhasePrepare = "prepare"
	// PhaseCommit: the commit point is passed and the journal lists the
	// commit's operations, which may be partly done. Recovery runs them
	// again (rolls forward).
	PhaseCommit = "commit"
	// PhaseCommitted: the root's links, /etc and user database are the new
	// generation's; units, tmpfiles and activation scripts may be pending.
	PhaseCommitted = "committed"
)

// Journal records a switch in progress: present from before the first
// change until after the last one.
type Journal struct {
	Action         Action     `json:"action"`
	From           string     `json:"from"` // toplevel active before ("": none)
	To             string     `json:"to"`
	FromGeneration int        `json:"fromGeneration"`
	ToGeneration   int        `json:"toGeneration"`
	NewGeneration  bool       `json:"newGeneration"`
	DropGeneration int        `json:"dropGeneration,omitempty"`
	PID            int        `json:"pid"`
	Started        time.Time  `json:"started"`
	Phase          string     `json:"phase"`            // PhasePrepare, PhaseCommit or PhaseCommitted
	Commit         []CommitOp `json:"commit,omitempty"` // the commit's operations, while in PhaseCommit
}

// ReadJournal returns the journal of an interrupted switch, or nil.
func ReadJournal(root system.Root) (*Journal, error) {
	data, err := os.ReadFile(root.Host(JournalFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("%s: %w", root.Host(JournalFile), err)
	}
	return &j, nil
}

func writeJournal(root system.Root, j *Journal) error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(root.Host(JournalFile), append(data, '\n'), 0o644)
	return err
}

func removeJournal(root system.Root) error {
	if err := os.Remove(root.Host(JournalFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return atomicfile.SyncDir(root.Host(StateDir))
}
