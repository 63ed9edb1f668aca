package supervise

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// account is a user of the managed root.
type account struct {
	Name   string
	UID    int
	GID    int
	Home   string
	Shell  string
	Groups []uint32 // supplementary groups
}

// lookupAccount resolves User= and Group= in root's etc/passwd and
// etc/group (numeric ids are accepted as they are).
func lookupAccount(root, user, group string) (*account, error) {
	a := &account{Name: user, UID: -1, GID: -1, Home: "/", Shell: "/bin/sh"}
	passwd := filepath.Join(root, "etc", "passwd")
	groupFile := filepath.Join(root, "etc", "group")
	if user != "" {
		found := false
		scanColon(passwd, func(f []string) bool {
			if len(f) < 7 || (f[0] != user && f[2] != user) {
				return false
			}
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil {
				return false
			}
			a.Name, a.UID, a.GID, a.Home, a.Shell = f[0], uid, gid, f[5], f[6]
			found = true
			return true
		})
		if !found {
			uid, err := strconv.Atoi(user)
			if err != nil || uid < 0 {
				return nil, fmt.Errorf("user %q not found in %s", user, passwd)
			}
			a.UID, a.GID = uid, uid
		}
		// Supplementary groups: those listing the user as a member.
		scanColon(groupFile, func(f []string) bool {
			if len(f) < 4 {
				return false
			}
			for _, m := range strings.Split(f[3], ",") {
				if m == a.Name {
					if gid, err := strconv.Atoi(f[2]); err == nil {
						a.Groups = append(a.Groups, uint32(gid))
					}
				}
			}
			return false
		})
	}
	if group != "" {
		found := false
		scanColon(groupFile, func(f []string) bool {
			if len(f) < 3 || (f[0] != group && f[2] != group) {
				return false
			}
			if gid, err := strconv.Atoi(f[2]); err == nil {
				a.GID, found = gid, true
			}
			return found
		})
		if !found {
			gid, err := strconv.Atoi(group)
			if err != nil || gid < 0 {
				return nil, fmt.Errorf("group %q not found in %s", group, groupFile)
			}
			a.GID = gid
		}
		if a.UID < 0 {
			a.UID = os.Getuid()
		}
	}
	return a, nil
}

// scanColon calls fn with the colon-separated fields of each line of path
// until fn returns true.
func scanColon(path string, fn func([]string) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if fn(strings.Split(line, ":")) {
			return nil
		}
	}
	return sc.Err()
}
