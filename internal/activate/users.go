package activate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/system"
)

// In-root locations of the user database and cairn's allocation state.
const (
	StateDir          = "/var/lib/cairn"
	uidMapFile        = StateDir + "/uid-map"
	gidMapFile        = StateDir + "/gid-map"
	declaredUsersFile = StateDir + "/declarative-users"
	declaredGroupFile = StateDir + "/declarative-groups"
)

// Id ranges, as NixOS allocates them.
const (
	sysMin, sysMax       = 400, 999    // system users and all groups, allocated downwards
	normalMin, normalMax = 1000, 29999 // normal users, allocated upwards
)

// account is a line of passwd joined with its shadow entry.
type account struct {
	name, gecos, home, shell, hash string
	uid, gid                       int
	shadowRest                     string // fields 3.. of shadow
}

type group struct {
	name    string
	gid     int
	members []string
}

// UsersPlan is the user and group part of a plan: the files to write and
// what changes, for printing.
type UsersPlan struct {
	Managed                     bool // false: the generation declares no users or groups
	Passwd, Group, Shadow       []byte
	UIDMap, GIDMap              map[string]int
	DeclaredUsers, DeclaredGrps []string
	Homes                       []home
	Changes                     []string
	users                       map[string]account
	groups                      map[string]group
}

type home struct {
	path     string
	uid, gid int
}

func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

func readIDMap(root system.Root, file string) (map[string]int, error) {
	m := map[string]int{}
	data, err := os.ReadFile(root.Host(file))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", root.Host(file), err)
	}
	return m, nil
}

func readNameList(root system.Root, file string) map[string]bool {
	out := map[string]bool{}
	data, _ := os.ReadFile(root.Host(file))
	for _, n := range strings.Fields(string(data)) {
		out[n] = true
	}
	return out
}

// readDB reads ROOT/etc/passwd, group and shadow.
func readDB(root system.Root) (map[string]account, map[string]group, error) {
	users := map[string]account{}
	groups := map[string]group{}
	pw, err := readLines(root.Host("/etc/passwd"))
	if err != nil {
		return nil, nil, err
	}
	for i, l := range pw {
		f := strings.Split(l, ":")
		if len(f) != 7 {
			return nil, nil, fmt.Errorf("%s:%d: expected 7 fields", root.Host("/etc/passwd"), i+1)
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("%s:%d: bad uid or gid", root.Host("/etc/passwd"), i+1)
		}
		users[f[0]] = account{name: f[0], uid: uid, gid: gid, gecos: f[4], home: f[5], shell: f[6], hash: "!"}
	}
	sh, err := readLines(root.Host("/etc/shadow"))
	if err != nil {
		return nil, nil, err
	}
	for _, l := range sh {
		f := strings.SplitN(l, ":", 3)
		if a, ok := users[f[0]]; ok && len(f) == 3 {
			a.hash, a.shadowRest = f[1], f[2]
			users[f[0]] = a
		}
	}
	gr, err := readLines(root.Host("/etc/group"))
	if err != nil {
		return nil, nil, err
	}
	for i, l := range gr {
		f := strings.Split(l, ":")
		if len(f) != 4 {
			return nil, nil, fmt.Errorf("%s:%d: expected 4 fields", root.Host("/etc/group"), i+1)
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: bad gid", root.Host("/etc/group"), i+1)
		}
		var mem []string
		if f[3] != "" {
			mem = strings.Split(f[3], ",")
		}
		groups[f[0]] = group{name: f[0], gid: gid, members: mem}
	}
	return users, groups, nil
}

// allocator hands out ids that no other name holds or ever held.
type allocator struct {
	used    map[int]string // id -> name now holding it
	prev    map[int]string // id -> name it was once allocated to
	changes *[]string
}

func newAllocator(prevMap map[string]int) *allocator {
	a := &allocator{used: map[int]string{}, prev: map[int]string{}}
	for n, id := range prevMap {
		a.prev[id] = n
	}
	return a
}

func (a *allocator) free(id int, name string) bool {
	if n, ok := a.used[id]; ok && n != name {
		return false
	}
	if n, ok := a.prev[id]; ok && n != name {
		return false
	}
	return true
}

func (a *allocator) alloc(name string, min, max int, up bool) (int, error) {
	if up {
		for id := min; id <= max; id++ {
			if a.free(id, name) {
				return id, nil
			}
		}
	} else {
		for id := max; id >= min; id-- {
			if a.free(id, name) {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("no free id left in %d-%d for %s", min, max, name)
}

// pick chooses the id of name: the declared one, else the current one,
// else the remembered one, else a fresh one.
func (a *allocator) pick(name string, declared *int, current int, hasCurrent bool, remembered int, hasRemembered bool, min, max int, up bool) (int, error) {
	switch {
	case declared != nil:
		if n, ok := a.used[*declared]; ok && n != name {
			return 0, fmt.Errorf("%s: id %d is already used by %s", name, *declared, n)
		}
		return *declared, nil
	case hasCurrent && a.free(current, name):
		return current, nil
	case hasRemembered && a.free(remembered, name):
		return remembered, nil
	}
	return a.alloc(name, min, max, up)
}

// planUsers computes the user database of the new generation.
func planUsers(root system.Root, g *system.Generation) (UsersPlan, error) {
	var p UsersPlan
	curUsers, curGroups, err := readDB(root)
	if err != nil {
		return p, err
	}
	p.users, p.groups = curUsers, curGroups
	if len(g.Users) == 0 && len(g.Groups) == 0 {
		return p, nil
	}
	p.Managed = true
	uidMap, err := readIDMap(root, uidMapFile)
	if err != nil {
		return p, err
	}
	gidMap, err := readIDMap(root, gidMapFile)
	if err != nil {
		return p, err
	}
	prevUsers := readNameList(root, declaredUsersFile)
	prevGroups := readNameList(root, declaredGroupFile)

	// Groups.
	ga := newAllocator(gidMap)
	newGroups := map[string]group{}
	declG := map[string]bool{}
	for _, dg := range g.Groups {
		declG[dg.Name] = true
		if dg.GID != nil {
			ga.used[*dg.GID] = dg.Name
		}
	}
	for _, cg := range curGroups {
		if declG[cg.name] || (g.MutableUsers && !prevGroups[cg.name]) {
			if _, taken := ga.used[cg.gid]; !taken {
				ga.used[cg.gid] = cg.name
			}
		}
	}
	if g.MutableUsers {
		for _, cg := range curGroups {
			if !declG[cg.name] && !prevGroups[cg.name] {
				newGroups[cg.name] = cg
			}
		}
	}
	for _, dg := range g.Groups {
		cur, hasCur := curGroups[dg.Name]
		rem, hasRem := gidMap[dg.Name]
		gid, err := ga.pick(dg.Name, dg.GID, cur.gid, hasCur, rem, hasRem, sysMin, sysMax, false)
		if err != nil {
			return p, fmt.Errorf("group %w", err)
		}
		ga.used[gid] = dg.Name
		members := append([]string(nil), dg.Members...)
		if g.MutableUsers && hasCur {
			members = append(members, cur.members...)
		}
		newGroups[dg.Name] = group{name: dg.Name, gid: gid, members: members}
		gidMap[dg.Name] = gid
	}
	for _, u := range g.Users {
		for _, eg := range u.ExtraGroups {
			gr, ok := newGroups[eg]
			if !ok {
				return p, fmt.Errorf("user %s: extra group %q does not exist", u.Name, eg)
			}
			gr.members = append(gr.members, u.Name)
			newGroups[eg] = gr
		}
	}

	// Users.
	ua := newAllocator(uidMap)
	newUsers := map[string]account{}
	declU := map[string]bool{}
	for _, du := range g.Users {
		declU[du.Name] = true
		if du.UID != nil {
			ua.used[*du.UID] = du.Name
		}
	}
	if g.MutableUsers {
		for _, cu := range curUsers {
			if !declU[cu.name] && !prevUsers[cu.name] {
				newUsers[cu.name] = cu
				if _, taken := ua.used[cu.uid]; !taken {
					ua.used[cu.uid] = cu.name
				}
			}
		}
	}
	for _, du := range g.Users {
		cur, hasCur := curUsers[du.Name]
		rem, hasRem := uidMap[du.Name]
		min, max, up := sysMin, sysMax, false
		if du.IsNormalUser {
			min, max, up = normalMin, normalMax, true
		}
		uid, err := ua.pick(du.Name, du.UID, cur.uid, hasCur, rem, hasRem, min, max, up)
		if err != nil {
			return p, fmt.Errorf("user %w", err)
		}
		ua.used[uid] = du.Name
		uidMap[du.Name] = uid
		gr, ok := newGroups[du.Group]
		if !ok {
			return p, fmt.Errorf("user %s: group %q does not exist", du.Name, du.Group)
		}
		a := account{name: du.Name, uid: uid, gid: gr.gid, gecos: du.Description, home: du.Home, shell: du.Shell, hash: "!", shadowRest: "1::::::"}
		if a.home == "" {
			a.home = "/var/empty"
		}
		if a.shell == "" {
			a.shell = "/run/current-system/sw/bin/nologin"
		}
		if hasCur {
			a.hash, a.shadowRest = cur.hash, cur.shadowRest
			if a.shadowRest == "" {
				a.shadowRest = "1::::::"
			}
		}
		if du.HashedPassword != nil {
			a.hash = *du.HashedPassword
		}
		newUsers[du.Name] = a
		if du.CreateHome && du.Home != "" {
			p.Homes = append(p.Homes, home{du.Home, uid, gr.gid})
		}
	}

	// Render, sorted by id then name.
	us := make([]account, 0, len(newUsers))
	for _, u := range newUsers {
		us = append(us, u)
	}
	sort.Slice(us, func(i, j int) bool {
		if us[i].uid != us[j].uid {
			return us[i].uid < us[j].uid
		}
		return us[i].name < us[j].name
	})
	var pw, sh, gr strings.Builder
	for _, u := range us {
		fmt.Fprintf(&pw, "%s:x:%d:%d:%s:%s:%s\n", u.name, u.uid, u.gid, u.gecos, u.home, u.shell)
		fmt.Fprintf(&sh, "%s:%s:%s\n", u.name, u.hash, u.shadowRest)
	}
	gs := make([]group, 0, len(newGroups))
	for _, g := range newGroups {
		g.members = dedupe(g.members)
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].gid != gs[j].gid {
			return gs[i].gid < gs[j].gid
		}
		return gs[i].name < gs[j].name
	})
	for _, g := range gs {
		fmt.Fprintf(&gr, "%s:x:%d:%s\n", g.name, g.gid, strings.Join(g.members, ","))
	}
	p.Passwd, p.Shadow, p.Group = []byte(pw.String()), []byte(sh.String()), []byte(gr.String())
	p.UIDMap, p.GIDMap = uidMap, gidMap
	for n := range declU {
		p.DeclaredUsers = append(p.DeclaredUsers, n)
	}
	for n := range declG {
		p.DeclaredGrps = append(p.DeclaredGrps, n)
	}
	sort.Strings(p.DeclaredUsers)
	sort.Strings(p.DeclaredGrps)
	p.users, p.groups = newUsers, map[string]group{}
	for _, g := range gs {
		p.groups[g.name] = g
	}
	p.Changes = diffDB(curUsers, newUsers, curGroups, p.groups)
	return p, nil
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func diffDB(ou, nu map[string]account, og, ng map[string]group) []string {
	var ch []string
	for n, g := range ng {
		o, ok := og[n]
		switch {
		case !ok:
			ch = append(ch, fmt.Sprintf("add group %s (gid %d)", n, g.gid))
		case o.gid != g.gid || strings.Join(dedupe(o.members), ",") != strings.Join(g.members, ","):
			ch = append(ch, fmt.Sprintf("update group %s (gid %d, members %s)", n, g.gid, strings.Join(g.members, ",")))
		}
	}
	for n := range og {
		if _, ok := ng[n]; !ok {
			ch = append(ch, "remove group "+n)
		}
	}
	for n, u := range nu {
		o, ok := ou[n]
		switch {
		case !ok:
			ch = append(ch, fmt.Sprintf("add user %s (uid %d)", n, u.uid))
		case o.uid != u.uid || o.gid != u.gid || o.gecos != u.gecos || o.home != u.home || o.shell != u.shell || o.hash != u.hash:
			ch = append(ch, fmt.Sprintf("update user %s (uid %d)", n, u.uid))
		}
	}
	for n := range ou {
		if _, ok := nu[n]; !ok {
			ch = append(ch, "remove user "+n)
		}
	}
	sort.Strings(ch)
	return ch
}

// stageUsers writes the id maps in place first (an id handed out is never
// handed out again, even by a switch that does not complete), then stages
// group, passwd and shadow (an existing file keeps its mode and owner:
// shadow is often root:shadow 0640) and the lists of declared names,
// each only when it changes.
func stageUsers(s *stager, p UsersPlan) error {
	if !p.Managed {
		return nil
	}
	for _, f := range []struct {
		file string
		m    map[string]int
	}{{uidMapFile, p.UIDMap}, {gidMapFile, p.GIDMap}} {
		data, err := json.MarshalIndent(f.m, "", "  ")
		if err != nil {
			return err
		}
		if _, err := atomicfile.WriteFile(s.root.Host(f.file), append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{"/etc/group", p.Group, 0o644}, {"/etc/passwd", p.Passwd, 0o644}, {"/etc/shadow", p.Shadow, 0o640}} {
		host := s.root.Host(f.path)
		mode, uid, gid := f.mode, -1, -1
		if fi, err := os.Stat(host); err == nil {
			if cur, err := os.ReadFile(host); err == nil && string(cur) == string(f.data) {
				continue
			}
			st := fi.Sys().(*syscall.Stat_t)
			mode, uid, gid = fi.Mode().Perm(), int(st.Uid), int(st.Gid)
		}
		if err := s.file(f.path, f.data, mode, uid, gid); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path  string
		names []string
	}{{declaredUsersFile, p.DeclaredUsers}, {declaredGroupFile, p.DeclaredGrps}} {
		if err := s.entry(system.Entry{Path: f.path, Data: []byte(strings.Join(f.names, "\n") + "\n"), Mode: 0o644}); err != nil {
			return err
		}
	}
	return nil
}

// applyHomes makes the missing home folders of users with createHome
// (after the commit; a home is never removed, as on NixOS).
func applyHomes(root system.Root, p UsersPlan) error {
	for _, h := range p.Homes {
		host := root.Host(h.path)
		if _, err := os.Lstat(host); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			return err
		}
		if err := os.Mkdir(host, 0o700); err != nil {
			return fmt.Errorf("home %s: %w", h.path, err)
		}
		if err := os.Chown(host, h.uid, h.gid); err != nil {
			return fmt.Errorf("home %s: %w", h.path, err)
		}
	}
	return nil
}

// idLookup resolves owner names with the user database a plan writes.
type idLookup struct {
	users  map[string]account
	groups map[string]group
}

func (l *idLookup) uid(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	if u, ok := l.users[s]; ok {
		return u.uid, nil
	}
	if s == "root" {
		return 0, nil
	}
	return 0, fmt.Errorf("unknown user %q", s)
}

func (l *idLookup) gid(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	if g, ok := l.groups[s]; ok {
		return g.gid, nil
	}
	if s == "root" {
		return 0, nil
	}
	return 0, fmt.Errorf("unknown group %q", s)
}
