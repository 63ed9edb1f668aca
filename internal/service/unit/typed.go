package unit

import (
	"strconv"
	"strings"
	"time"
)

// UnitSection is the [Unit] section.
type UnitSection struct {
	Description string
	After       []string
	Before      []string
	Requires    []string
	Wants       []string
	BindsTo     []string
	// Start limit: more than StartLimitBurst starts within
	// StartLimitIntervalSec fail the unit (defaults 5 in 10s; 0 disables).
	StartLimitIntervalSec time.Duration
	StartLimitBurst       int
}

// ServiceSection is the [Service] section.
type ServiceSection struct {
	Type                     string // simple, exec, forking, oneshot, notify, dbus, idle; "" means simple
	ExecStartPre             []Command
	ExecStart                []Command
	ExecStartPost            []Command
	ExecReload               []Command
	ExecStop                 []Command
	ExecStopPost             []Command
	Restart                  string        // no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always
	RestartSec               time.Duration // default 100ms
	Environment              []string      // KEY=VALUE in order; later ones win
	EnvironmentFile          []EnvFile
	User                     string
	Group                    string
	WorkingDirectory         string // "" for the default; a leading "-" is dropped and sets WorkingDirectoryOptional
	WorkingDirectoryOptional bool
	RemainAfterExit          bool
	TimeoutStopSec           time.Duration // default 90s; 0 means infinity
	KillSignal               string        // default SIGTERM
	PIDFile                  string

	// Sandboxing, as systemd.exec(5) describes it: the service runs in
	// its own mount namespace when RootDirectory= is set.
	RootDirectory    string
	BindPaths        []BindPath // BindPaths= and BindReadOnlyPaths=, in order
	MountAPIVFS      bool       // /proc, /sys, /dev and a fresh /run in the root
	PrivateTmp       bool       // fresh /tmp and /var/tmp
	StateDirectory   []string   // below /var/lib, made and owned by User=
	RuntimeDirectory []string   // below /run
	LogsDirectory    []string   // below /var/log
	CacheDirectory   []string   // below /var/cache
}

// BindPath is one entry of BindPaths= (or BindReadOnlyPaths=):
// "[-]SRC[:DST[:OPTIONS]]".
type BindPath struct {
	Source, Target string
	ReadOnly       bool
	Optional       bool // "-": a missing source is ignored
}

// EnvFile is one EnvironmentFile= path; a "-" prefix makes it optional.
type EnvFile struct {
	Path     string
	Optional bool
}

// TimerSection is the [Timer] section.
type TimerSection struct {
	OnCalendar      []string
	OnActiveSec     []time.Duration
	OnBootSec       []time.Duration
	OnUnitActiveSec []time.Duration
	Persistent      bool
	Unit            string // the unit it starts; default the timer's name with .service
}

// InstallSection is the [Install] section.
type InstallSection struct {
	WantedBy   []string
	RequiredBy []string
	Alias      []string
}

// Command is one Exec line.
type Command struct {
	Path string   // the executable
	Argv []string // argv, Argv[0] included
	// Prefixes: '-' IgnoreFailure, '@' Argv[0] given separately, ':' NoExpand
	// (no $VAR expansion), '+' / '!' / '!!' Privileged (run with full
	// privileges, ignoring User=).
	IgnoreFailure bool
	NoExpand      bool
	Privileged    bool
	Pos           Pos
}

// Default values systemd uses when a key is absent.
const (
	DefaultRestartSec         = 100 * time.Millisecond
	DefaultTimeoutStopSec     = 90 * time.Second
	DefaultStartLimitInterval = 10 * time.Second
	DefaultStartLimitBurst    = 5
)

func (p *parser) typed() {
	f := p.f
	f.Service.RestartSec = DefaultRestartSec
	f.Service.TimeoutStopSec = DefaultTimeoutStopSec
	f.Service.Restart = "no"
	f.Unit.StartLimitIntervalSec = DefaultStartLimitInterval
	f.Unit.StartLimitBurst = DefaultStartLimitBurst
	f.Service.KillSignal = "SIGTERM"
	for _, s := range f.Sections {
		for _, e := range s.Entries {
			p.entry(s.Name, e)
		}
	}
	switch f.Service.Type {
	case "", "simple", "exec", "oneshot", "forking":
	case "notify", "notify-reload", "dbus", "idle":
		f.Notes = append(f.Notes, "Type="+f.Service.Type+" is run as Type=simple: the unit counts as started once its process runs")
	}
	if f.Kind() == "timer" && f.Timer.Unit == "" {
		f.Timer.Unit = strings.TrimSuffix(f.Name, ".timer") + ".service"
	}
}

func (p *parser) entry(section string, e Entry) {
	f := p.f
	u, s, t, in := &f.Unit, &f.Service, &f.Timer, &f.Install
	switch section + "." + e.Key {
	case "Unit.Description":
		u.Description = p.spec(e)
	case "Unit.After":
		u.After = p.list(u.After, e)
	case "Unit.Before":
		u.Before = p.list(u.Before, e)
	case "Unit.Requires":
		u.Requires = p.list(u.Requires, e)
	case "Unit.Wants":
		u.Wants = p.list(u.Wants, e)
	case "Unit.BindsTo":
		u.BindsTo = p.list(u.BindsTo, e)
	case "Unit.StartLimitIntervalSec":
		if d, ok := p.duration(e); ok {
			u.StartLimitIntervalSec = d
		}
	case "Unit.StartLimitBurst":
		n, err := strconv.Atoi(e.Value)
		if err != nil || n < 0 {
			p.errorf(e.ValuePos, "StartLimitBurst=%s is not a count", e.Value)
			return
		}
		u.StartLimitBurst = n
	case "Service.Type":
		switch e.Value {
		case "simple", "exec", "forking", "oneshot", "notify", "notify-reload", "dbus", "idle":
			s.Type = e.Value
		default:
			p.errorf(e.ValuePos, "unknown Type=%s", e.Value)
		}
	case "Service.ExecStartPre":
		s.ExecStartPre = p.exec(s.ExecStartPre, e)
	case "Service.ExecStart":
		s.ExecStart = p.exec(s.ExecStart, e)
	case "Service.ExecStartPost":
		s.ExecStartPost = p.exec(s.ExecStartPost, e)
	case "Service.ExecReload":
		s.ExecReload = p.exec(s.ExecReload, e)
	case "Service.ExecStop":
		s.ExecStop = p.exec(s.ExecStop, e)
	case "Service.ExecStopPost":
		s.ExecStopPost = p.exec(s.ExecStopPost, e)
	case "Service.Restart":
		switch e.Value {
		case "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always":
			s.Restart = e.Value
		case "":
			s.Restart = "no"
		default:
			p.errorf(e.ValuePos, "unknown Restart=%s", e.Value)
		}
	case "Service.RestartSec":
		if d, ok := p.duration(e); ok {
			s.RestartSec = d
		}
	case "Service.TimeoutStopSec":
		if d, ok := p.duration(e); ok {
			s.TimeoutStopSec = d
		}
	case "Service.Environment":
		if e.Value == "" {
			s.Environment = nil
			return
		}
		words, err := SplitWords(p.spec(e), false)
		if err != nil {
			p.errorf(e.ValuePos, "Environment=: %v", err)
			return
		}
		for _, w := range words {
			if i := strings.IndexByte(w, '='); i <= 0 {
				p.errorf(e.ValuePos, "Environment=: %q is not an assignment KEY=VALUE", w)
				return
			}
			s.Environment = append(s.Environment, w)
		}
	case "Service.EnvironmentFile":
		if e.Value == "" {
			s.EnvironmentFile = nil
			return
		}
		v := p.spec(e)
		ef := EnvFile{Path: strings.TrimPrefix(v, "-"), Optional: strings.HasPrefix(v, "-")}
		if !strings.HasPrefix(ef.Path, "/") {
			p.errorf(e.ValuePos, "EnvironmentFile=%s is not an absolute path", v)
			return
		}
		s.EnvironmentFile = append(s.EnvironmentFile, ef)
	case "Service.User":
		s.User = p.spec(e)
	case "Service.Group":
		s.Group = p.spec(e)
	case "Service.WorkingDirectory":
		v := p.spec(e)
		s.WorkingDirectoryOptional = strings.HasPrefix(v, "-")
		v = strings.TrimPrefix(v, "-")
		if v != "" && v != "~" && !strings.HasPrefix(v, "/") {
			p.errorf(e.ValuePos, "WorkingDirectory=%s is not an absolute path", v)
			return
		}
		s.WorkingDirectory = v
	case "Service.RemainAfterExit":
		s.RemainAfterExit = p.boolean(e)
	case "Service.KillSignal":
		if _, ok := Signal(e.Value); !ok {
			p.errorf(e.ValuePos, "unknown KillSignal=%s", e.Value)
			return
		}
		s.KillSignal = "SIG" + strings.TrimPrefix(e.Value, "SIG")
	case "Service.PIDFile":
		s.PIDFile = p.spec(e)
	case "Service.RootDirectory":
		v := p.spec(e)
		if v != "" && !strings.HasPrefix(v, "/") {
			p.errorf(e.ValuePos, "RootDirectory=%s is not an absolute path", v)
			return
		}
		s.RootDirectory = v
	case "Service.BindPaths", "Service.BindReadOnlyPaths":
		if e.Value == "" {
			s.BindPaths = nil
			return
		}
		words, err := SplitWords(p.spec(e), false)
		if err != nil {
			p.errorf(e.ValuePos, "%s=: %v", e.Key, err)
			return
		}
		for _, w := range words {
			b := BindPath{ReadOnly: e.Key == "BindReadOnlyPaths"}
			if strings.HasPrefix(w, "-") {
				b.Optional, w = true, w[1:]
			}
			parts := strings.SplitN(w, ":", 3)
			b.Source, b.Target = parts[0], parts[0]
			if len(parts) > 1 && parts[1] != "" {
				b.Target = parts[1]
			}
			if len(parts) > 2 {
				switch parts[2] {
				case "rbind", "norbind", "":
				case "ro":
					b.ReadOnly = true
				default:
					p.errorf(e.ValuePos, "%s=: unknown option %q", e.Key, parts[2])
					return
				}
			}
			if !strings.HasPrefix(b.Source, "/") || !strings.HasPrefix(b.Target, "/") {
				p.errorf(e.ValuePos, "%s=%s: paths must be absolute", e.Key, w)
				return
			}
			s.BindPaths = append(s.BindPaths, b)
		}
	case "Service.MountAPIVFS":
		s.MountAPIVFS = p.boolean(e)
	case "Service.PrivateTmp":
		s.PrivateTmp = p.boolean(e)
	case "Service.StateDirectory", "Service.RuntimeDirectory", "Service.LogsDirectory", "Service.CacheDirectory":
		dst := map[string]*[]string{"StateDirectory": &s.StateDirectory, "RuntimeDirectory": &s.RuntimeDirectory,
			"LogsDirectory": &s.LogsDirectory, "CacheDirectory": &s.CacheDirectory}[e.Key]
		if e.Value == "" {
			*dst = nil
			return
		}
		for _, w := range strings.Fields(p.spec(e)) {
			w, _, _ = strings.Cut(w, ":") // the symlink form is not supported
			if strings.HasPrefix(w, "/") || strings.Contains("/"+w+"/", "/../") {
				p.errorf(e.ValuePos, "%s=%s must be a relative path without ..", e.Key, w)
				return
			}
			*dst = append(*dst, w)
		}
	case "Timer.OnCalendar":
		if e.Value == "" {
			t.OnCalendar = nil
			return
		}
		t.OnCalendar = append(t.OnCalendar, e.Value)
	case "Timer.OnActiveSec":
		t.OnActiveSec = p.durations(t.OnActiveSec, e)
	case "Timer.OnBootSec", "Timer.OnStartupSec":
		t.OnBootSec = p.durations(t.OnBootSec, e)
	case "Timer.OnUnitActiveSec":
		t.OnUnitActiveSec = p.durations(t.OnUnitActiveSec, e)
	case "Timer.Persistent":
		t.Persistent = p.boolean(e)
	case "Timer.Unit":
		t.Unit = p.spec(e)
	case "Install.WantedBy":
		in.WantedBy = p.list(in.WantedBy, e)
	case "Install.RequiredBy":
		in.RequiredBy = p.list(in.RequiredBy, e)
	case "Install.Alias":
		in.Alias = p.list(in.Alias, e)
	default:
		switch section {
		case "Unit", "Service", "Timer", "Install":
			f.Ignored = append(f.Ignored, e.Pos.File+":"+strconv.Itoa(e.Pos.Line)+": "+section+"."+e.Key)
		}
	}
}

// list appends the space-separated names of e; an empty value resets.
func (p *parser) list(l []string, e Entry) []string {
	if e.Value == "" {
		return nil
	}
	return append(l, strings.Fields(p.spec(e))...)
}

func (p *parser) exec(l []Command, e Entry) []Command {
	if e.Value == "" {
		return nil
	}
	cmds, err := ParseCommands(p.spec(e))
	if err != nil {
		p.errorf(e.ValuePos, "%s=: %v", e.Key, err)
		return l
	}
	for i := range cmds {
		cmds[i].Pos = e.ValuePos
	}
	return append(l, cmds...)
}

func (p *parser) boolean(e Entry) bool {
	switch strings.ToLower(e.Value) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	case "0", "no", "n", "false", "f", "off":
		return false
	}
	p.errorf(e.ValuePos, "%s=%s is not a boolean", e.Key, e.Value)
	return false
}

func (p *parser) duration(e Entry) (time.Duration, bool) {
	d, err := ParseDuration(e.Value)
	if err != nil {
		p.errorf(e.ValuePos, "%s=: %v", e.Key, err)
		return 0, false
	}
	return d, true
}

func (p *parser) durations(l []time.Duration, e Entry) []time.Duration {
	if e.Value == "" {
		return nil
	}
	if d, ok := p.duration(e); ok {
		return append(l, d)
	}
	return l
}

// spec resolves the specifiers of e's value: %n %N %p %i %I %% (and %t,
// the runtime directory /run). Others are errors.
func (p *parser) spec(e Entry) string {
	v := e.Value
	if !strings.Contains(v, "%") {
		return v
	}
	name := p.f.Name
	full := strings.TrimSuffix(name, "."+p.f.Kind())
	prefix, inst := full, ""
	if i := strings.IndexByte(full, '@'); i >= 0 {
		prefix, inst = full[:i], full[i+1:]
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 >= len(v) {
			p.errorf(Pos{e.ValuePos.File, e.ValuePos.Line, e.ValuePos.Col + i}, "%s=: lone %% at the end of the value", e.Key)
			return v
		}
		i++
		switch v[i] {
		case '%':
			b.WriteByte('%')
		case 'n':
			b.WriteString(name)
		case 'N':
			b.WriteString(full)
		case 'p':
			b.WriteString(prefix)
		case 'i', 'I':
			b.WriteString(inst)
		case 't':
			b.WriteString("/run")
		default:
			p.errorf(Pos{e.ValuePos.File, e.ValuePos.Line, e.ValuePos.Col + i - 1}, "%s=: unsupported specifier %%%c", e.Key, v[i])
			return v
		}
	}
	return b.String()
}

// ParseDuration parses a systemd time span: "5", "5s", "100ms", "1min 30s",
// "2h", "infinity" (returned as 0, which callers read as no limit). A bare
// number is seconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "infinity" {
		return 0, nil
	}
	if s == "" {
		return 0, errorString("empty time span")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, errorString("invalid time span " + strconv.Quote(s))
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, errorString("invalid time span " + strconv.Quote(s))
		}
		rest = strings.TrimLeft(rest[i:], " ")
		j := 0
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= 'A' && rest[j] <= 'Z') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		var mult time.Duration
		switch unit {
		case "", "s", "sec", "second", "seconds":
			mult = time.Second
		case "us", "usec", "µs":
			mult = time.Microsecond
		case "ms", "msec":
			mult = time.Millisecond
		case "m", "min", "minute", "minutes":
			mult = time.Minute
		case "h", "hr", "hour", "hours":
			mult = time.Hour
		case "d", "day", "days":
			mult = 24 * time.Hour
		case "w", "week", "weeks":
			mult = 7 * 24 * time.Hour
		default:
			return 0, errorString("unknown time unit " + strconv.Quote(unit) + " in " + strconv.Quote(s))
		}
		if num > float64(1<<62)/float64(mult) {
			return 0, errorString("time span too large " + strconv.Quote(s))
		}
		total += time.Duration(num * float64(mult))
	}
	return total, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// Signal returns the number of a signal name KillSignal= accepts
// ("SIGTERM" or "TERM").
func Signal(name string) (int, bool) {
	switch strings.TrimPrefix(name, "SIG") {
	case "HUP":
		return 1, true
	case "INT":
		return 2, true
	case "QUIT":
		return 3, true
	case "KILL":
		return 9, true
	case "USR1":
		return 10, true
	case "USR2":
		return 12, true
	case "TERM":
		return 15, true
	case "CONT":
		return 18, true
	case "STOP":
		return 19, true
	case "WINCH":
		return 28, true
	}
	return 0, false
}
