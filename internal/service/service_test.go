package service

import (
	"errors"
	"io/fs"
	"testing"
)

func TestUnitError(t *testing.T) {
	err := error(&UnitError{Op: "start", Unit: "web.service", Err: fs.ErrNotExist, Log: []string{"a", "b"}})
	want := "start web.service: file does not exist\nlog tail:\n  a\n  b"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("UnitError does not unwrap")
	}
}
