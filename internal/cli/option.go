package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/spelling"
)

const optionUsage = `usage: cairn option -c FILE [NAME]

Evaluates the configuration module FILE with cairn's own modules and
prints the option NAME as nixos-option does: its value, default, type,
description, and where it is declared and defined (file:line). When NAME
is a set of options (or missing), prints the names it contains; when it
is inside an option's value (an attrsOf or submodule entry), prints that
part of the value and the option holding it.
`

// optionInfo is what the query expression returns about one name.
type optionInfo struct {
	Kind         string   `json:"kind"`   // "option", "set" or "missing"
	Within       string   `json:"within"` // the option NAME is inside, if not itself one
	Names        []string `json:"names"`
	Value        *string  `json:"value"`
	Default      *string  `json:"default"`
	Type         string   `json:"type"`
	Description  *string  `json:"description"`
	ReadOnly     bool     `json:"readOnly"`
	Declarations []string `json:"declarations"`
	Definitions  []string `json:"definitions"`
}

func runOption(ctx context.Context, env *Env, args []string) int {
	var file, name string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-h" || a == "--help":
			fmt.Fprint(env.Stdout, optionUsage)
			return exitOK
		case a == "-c" || a == "--config":
			if i+1 >= len(args) {
				fmt.Fprintf(env.Stderr, "error: flag '%s' requires an argument\n%s", a, optionUsage)
				return exitUsage
			}
			i++
			file = args[i]
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(env.Stderr, "error: unrecognised flag '%s'\n%s", a, optionUsage)
			return exitUsage
		case name == "":
			name = a
		default:
			fmt.Fprintf(env.Stderr, "error: unexpected argument '%s'\n%s", a, optionUsage)
			return exitUsage
		}
	}
	if file == "" {
		fmt.Fprintf(env.Stderr, "error: no configuration given (-c FILE)\n%s", optionUsage)
		return exitUsage
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(env.Dir, file)
	}
	var path []string
	if name != "" {
		path = strings.Split(name, ".")
	}
	src := fmt.Sprintf(optionQuery, modulesExpr([]string{file}), nixList(path))
	var info optionInfo
	fset := token.NewFileSet()
	if err := evalJSON(ctx, env, fset, src, filepath.Dir(file), &info); err != nil {
		printError(env, fset, err, false)
		return exitFailure
	}
	switch info.Kind {
	case "missing":
		msg := fmt.Sprintf("error: the option `%s' does not exist", name)
		if close := closest(path[len(path)-1], info.Names); len(close) > 0 {
			quoted := make([]string, len(close))
			for i, c := range close {
				quoted[i] = "`" + strings.Join(append(append([]string(nil), path[:len(path)-1]...), c), ".") + "'"
			}
			msg += "; did you mean " + strings.Join(quoted, " or ") + "?"
		}
		fmt.Fprintln(env.Stderr, msg)
		return exitFailure
	case "set":
		if name != "" {
			fmt.Fprintf(env.Stdout, "This attribute set contains:\n")
		}
		for _, n := range info.Names {
			fmt.Fprintln(env.Stdout, n)
		}
		return exitOK
	}
	w := env.Stdout
	section := func(title, body string) { fmt.Fprintf(w, "%s:\n%s\n\n", title, body) }
	if info.Within != "" {
		// NAME is inside the value of an option: its value, and the
		// option that holds it.
		section("Value", *info.Value)
		fmt.Fprintf(w, "Part of the option `%s', whose type, declarations and definitions follow.\n\n", info.Within)
		info.Value = nil
		section("Type", info.Type)
		section("Declared in", "  "+strings.Join(info.Declarations, "\n  "))
		fmt.Fprintf(w, "Defined in:\n  %s\n", strings.Join(info.Definitions, "\n  "))
		return exitOK
	}
	if info.Value != nil {
		section("Value", *info.Value)
	} else {
		section("Value", "(not defined)")
	}
	if info.Default != nil {
		section("Default", *info.Default)
	}
	section("Type", info.Type)
	if info.Description != nil {
		section("Description", strings.TrimRight(*info.Description, "\n"))
	}
	if info.ReadOnly {
		section("Read-only", "yes")
	}
	section("Declared in", "  "+strings.Join(info.Declarations, "\n  "))
	if len(info.Definitions) > 0 {
		fmt.Fprintf(w, "Defined in:\n  %s\n", strings.Join(info.Definitions, "\n  "))
	} else {
		fmt.Fprintf(w, "Defined in:\n  (nowhere)\n")
	}
	return exitOK
}

// optionQuery is the expression `cairn option` evaluates: %s are the
// module list and the option path, as Nix lists.
const optionQuery = `let
  lib = import <cairn/lib>;
  eval = lib.evalModules { modules = %s; };
  path = %s;
  found = lib.attrByPath path null eval.options;
  names = set: builtins.filter (n: n != "_module") (builtins.attrNames set);
  pretty = lib.generators.toPretty { multiline = true; };
  text = v: if v ? _type && v ? text then v.text else pretty v;
  # The longest proper prefix of path that is an option (a name inside
  # an attrsOf or submodule value), or null.
  parent =
    let
      go = n:
        if n == 0 then null
        else
          let o = lib.attrByPath (lib.take n path) null eval.options;
          in if o != null && lib.isOption o then { inherit n; option = o; } else go (n - 1);
    in go (builtins.length path - 1);
  # For "did you mean": the names beside the missing one (the entries of
  # an option's value when it is inside one).
  siblings =
    let
      up = lib.attrByPath (lib.init path) { } eval.options;
    in
    if !lib.isOption up then names up
    else if up.isDefined && builtins.isAttrs up.value then builtins.attrNames up.value
    else [ ];
  missing = { kind = "missing"; names = siblings; };
  describe = opt: {
    type = opt.type.description or "unspecified";
    description = opt.description or null;
    readOnly = opt.readOnly or false;
    declarations = map lib.options.showPosition opt.declarationPositions;
    definitions = lib.lists.zipListsWith (d: p: lib.options.showDefLocation (d // { pos = p; }))
      opt.definitionsWithLocations opt.definitionPositions;
  };
  inner = lib.attrByPath (lib.drop parent.n path) missing parent.option.value;
in
if found == null && parent != null && parent.option.isDefined && inner != missing then
  describe parent.option // {
    kind = "option";
    within = lib.showOption parent.option.loc;
    value = pretty inner;
    default = null;
  }
else if found == null then
  missing
else if !lib.isOption found then
  { kind = "set"; names = names found; }
else
  describe found // {
    kind = "option";
    value = if found.isDefined then pretty found.value else null;
    default =
      if found ? defaultText then text found.defaultText
      else if found ? default then pretty found.default
      else null;
  }
`

// modulesExpr is the Nix list of the configuration files given and cairn's
// own modules.
func modulesExpr(files []string) string {
	var items []string
	for _, f := range files {
		items = append(items, "(/. + "+nixString(f)+")")
	}
	for _, m := range module.Modules() {
		items = append(items, "(/. + "+nixString(m)+")")
	}
	return "[ " + strings.Join(items, " ") + " ]"
}

func nixList(xs []string) string {
	var b strings.Builder
	b.WriteString("[")
	for _, x := range xs {
		b.WriteString(" " + nixString(x))
	}
	b.WriteString(" ]")
	return b.String()
}

// nixString quotes s as a Nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// evalJSON evaluates src (in env.Dir) strictly and decodes its JSON form
// into v; lockDir holds the cairn.lock of the configuration.
func evalJSON(ctx context.Context, env *Env, fset *token.FileSet, src, lockDir string, v any) error {
	ev := newEvaluator(ctx, env, fset, &evalFlags{storeDir: "/nix/store", lockDir: lockDir})
	val, err := ev.EvalString(src, env.Dir)
	if err != nil {
		return err
	}
	if err := ev.ForceDeep(val); err != nil {
		return err
	}
	out, err := ev.PrintJSON(val)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("decoding the option query's result: %w", err)
	}
	return nil
}

// closest returns the names within a small edit distance of want, nearest
// first (at most three), as the module system's "did you mean" does.
func closest(want string, names []string) []string {
	limit := max(2, len(want)/2)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, n := range names {
		if d := spelling.Distance(want, n, limit); d <= limit {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}
