package activate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// uids returns name -> uid from ROOT/etc/passwd.
func (s *testSystem) uids() map[string]string {
	data, err := os.ReadFile(filepath.Join(s.dir, "etc/passwd"))
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(l, ":")
		out[f[0]] = f[2]
	}
	return out
}

func usersGen(mutable bool, names ...string) []byte {
	var us []string
	for _, n := range names {
		kind := `"isNormalUser": true, "group": "users"`
		if strings.HasPrefix(n, "sys") {
			kind = `"isSystemUser": true, "group": "users"`
		}
		us = append(us, fmt.Sprintf(`{"name": %q, %s}`, n, kind))
	}
	return []byte(fmt.Sprintf(`{"version": 1, "mutableUsers": %v, "users": [%s], "groups": [{"name": "users", "gid": 100}]}`, mutable, strings.Join(us, ",")))
}

// TestIDsStableAndNeverReused switches through generations that add, drop
// and re-add users: a user keeps its id across switches, a dropped user's
// id is not handed to anyone else, and a re-added user gets its old id.
func TestIDsStableAndNeverReused(t *testing.T) {
	ctx := context.Background()
	s := newTestSystem(t)
	steps := []struct {
		users []string
		want  map[string]string
	}{
		{[]string{"alice", "bob", "sysa", "sysb"}, map[string]string{"alice": "1000", "bob": "1001", "sysa": "999", "sysb": "998"}},
		{[]string{"bob", "sysb", "carol", "sysc"}, map[string]string{"bob": "1001", "sysb": "998", "carol": "1002", "sysc": "997"}},
		{[]string{"alice", "bob", "carol", "dave", "sysa", "sysd"}, map[string]string{"alice": "1000", "bob": "1001", "carol": "1002", "dave": "1003", "sysa": "999", "sysd": "996"}},
		{[]string{"dave"}, map[string]string{"dave": "1003"}},
	}
	for i, st := range steps {
		top := s.toplevel(fmt.Sprintf("g%d", i), usersGen(false, st.users...), nil)
		if _, err := s.switchTo(ctx, top); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got := s.uids()
		if len(got) != len(st.want) {
			t.Errorf("step %d: passwd has %v, want %v", i, got, st.want)
		}
		for n, uid := range st.want {
			if got[n] != uid {
				t.Errorf("step %d: %s has uid %q, want %s", i, n, got[n], uid)
			}
		}
	}
}

// TestMutableUsersKeepsOthers: with mutableUsers an account added by hand
// survives switches, and its uid is not allocated to a declared user.
func TestMutableUsersKeepsOthers(t *testing.T) {
	ctx := context.Background()
	s := newTestSystem(t)
	if _, err := s.switchTo(ctx, s.toplevel("a", usersGen(true, "alice"), nil)); err != nil {
		t.Fatal(err)
	}
	passwd := filepath.Join(s.dir, "etc/passwd")
	data, _ := os.ReadFile(passwd)
	os.WriteFile(passwd, append(data, "manual:x:1001:100::/home/manual:/bin/sh\n"...), 0o644)
	if _, err := s.switchTo(ctx, s.toplevel("b", usersGen(true, "alice", "bob"), nil)); err != nil {
		t.Fatal(err)
	}
	got := s.uids()
	if got["manual"] != "1001" || got["alice"] != "1000" || got["bob"] != "1002" {
		t.Errorf("passwd: %v; want manual 1001 kept, alice 1000, bob 1002", got)
	}
	if _, err := s.switchTo(ctx, s.toplevel("c", usersGen(false, "alice"), nil)); err != nil {
		t.Fatal(err)
	}
	if got := s.uids(); len(got) != 1 || got["alice"] != "1000" {
		t.Errorf("without mutableUsers, passwd: %v; want only alice", got)
	}
}

// TestRecoveryRemovesTemps: temporary files left by a switch killed in the
// middle of an atomic write go when the next switch finds its journal.
func TestRecoveryRemovesTemps(t *testing.T) {
	ctx := context.Background()
	s := newTestSystem(t)
	top := s.toplevel("a", usersGen(false, "alice"), nil)
	if _, err := s.switchTo(ctx, top); err != nil {
		t.Fatal(err)
	}
	s.write("/etc/ssh/.cairn-tmp-123", []byte("half"))
	s.write("/etc/.cairn-tmp-456", []byte("half"))
	s.write(JournalFile, []byte(`{"action": "switch", "to": "`+top+`"}`))
	if _, err := s.switchTo(ctx, top); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc/ssh/.cairn-tmp-123", "/etc/.cairn-tmp-456", JournalFile} {
		if _, err := os.Lstat(filepath.Join(s.dir, p)); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}
