// Package benchconfig generates the module-system benchmark configuration:
// many modules, each declaring options of the common types and defining
// options of other modules with mkIf, mkMerge, priorities, orders and
// attrsOf submodules. bench/modules times it against real Nix; the
// module package profiles it. The output is deterministic: the same
// parameters give the same files.
package benchconfig

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Params sizes the configuration.
type Params struct {
	Modules           int // number of module files
	OptionsPerModule  int // at most 10: o0..o9, one per kind
	DefinitionsPerMod int // definitions each module makes
	Seed              uint64
}

// Default is the configuration the benchmark uses: 500 options across 50
// modules and 5,000 definitions.
func Default() Params {
	return Params{Modules: 50, OptionsPerModule: 10, DefinitionsPerMod: 100, Seed: 1}
}

// Config is a generated configuration: files by name (relative to one
// folder) and the entry point, a function of lib returning the merged
// config without `_module`.
type Config struct {
	Files map[string]string
	Main  string // "main.nix"
	// Definitions is the number of option definitions made.
	Definitions int
	// Options is the number of options declared at the top level.
	Options int
}

// option kinds, one per option oK of each module.
const (
	kBool    = iota // types.bool, only unconditional definitions (mkIf conditions read it)
	kInt            // types.int, one definition per priority
	kStr            // types.str, one definition per priority
	kStrList        // listOf str, mkBefore/mkAfter/mkOrder
	kLines          // lines, mkBefore/mkAfter
	kSub            // attrsOf (submodule)
	kEnum           // enum, one definition per priority
	kIntAttr        // attrsOf int
	kIntList        // listOf int
	kNullStr        // nullOr str, one definition per priority
	kinds
)

// Generate writes the configuration for p.
func Generate(p Params) *Config {
	if p.OptionsPerModule <= 0 || p.OptionsPerModule > kinds {
		p.OptionsPerModule = kinds
	}
	r := rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	c := &Config{Files: map[string]string{}, Main: "main.nix"}
	// prio counts the definitions made so far of each single-valued option,
	// so that no two of them share a priority.
	prio := map[string]int{}
	n := 0 // global definition counter, for unique names and values
	for m := 0; m < p.Modules; m++ {
		var defs []string
		for d := 0; d < p.DefinitionsPerMod; d++ {
			t := r.IntN(p.Modules)
			k := r.IntN(p.OptionsPerModule)
			path := fmt.Sprintf("m%d.o%d", t, k)
			def := definition(r, k, path, n, prio)
			n++
			if k != kBool && r.IntN(5) == 0 {
				def = fmt.Sprintf("(mkIf config.m%d.o0 %s)", r.IntN(p.Modules), def)
			}
			defs = append(defs, def)
		}
		c.Definitions += len(defs)
		// Group runs of definitions into nested mkMerge blocks, some of
		// them under one mkIf, as modules written by hand do.
		var items []string
		for i := 0; i < len(defs); {
			size := 1 + r.IntN(4)
			if i+size > len(defs) {
				size = len(defs) - i
			}
			group := defs[i : i+size]
			i += size
			if size == 1 {
				items = append(items, "    "+group[0])
				continue
			}
			inner := "mkMerge [\n      " + strings.Join(group, "\n      ") + "\n    ]"
			if r.IntN(3) == 0 && !anyBool(group) {
				inner = fmt.Sprintf("mkIf (config.m%d.o0 || config.m%d.o0) (%s)", r.IntN(p.Modules), r.IntN(p.Modules), inner)
			}
			items = append(items, "    ("+inner+")")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# Generated module %d of the module-system benchmark.\n", m)
		b.WriteString("{ config, lib, ... }:\nlet\n  inherit (lib) mkOption mkIf mkMerge mkDefault mkForce mkOverride mkBefore mkAfter mkOrder types;\nin\n{\n")
		fmt.Fprintf(&b, "  options.m%d = {\n", m)
		for k := 0; k < p.OptionsPerModule; k++ {
			fmt.Fprintf(&b, "    o%d = %s;\n", k, declaration(k, m))
		}
		b.WriteString("  };\n  config = mkMerge [\n")
		b.WriteString(strings.Join(items, "\n"))
		b.WriteString("\n  ];\n}\n")
		c.Files[fmt.Sprintf("m%02d.nix", m)] = b.String()
		c.Options += p.OptionsPerModule
	}
	var names []string
	for name := range c.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# The module-system benchmark: evaluate every generated module with\n# the lib given, and return the configuration without `_module`.\nlib:\nlet\n  eval = lib.evalModules {\n    modules = [\n")
	for _, name := range names {
		fmt.Fprintf(&b, "      ./%s\n", name)
	}
	b.WriteString("    ];\n  };\nin\nbuiltins.removeAttrs eval.config [ \"_module\" ]\n")
	c.Files[c.Main] = b.String()
	return c
}

func anyBool(defs []string) bool {
	for _, d := range defs {
		if strings.Contains(d, ".o0 =") {
			return true
		}
	}
	return false
}

func declaration(k, m int) string {
	switch k {
	case kBool:
		return fmt.Sprintf("mkOption { type = types.bool; default = false; description = \"Whether module %d is enabled.\"; }", m)
	case kInt:
		return fmt.Sprintf("mkOption { type = types.int; default = %d; description = \"A number.\"; }", m)
	case kStr:
		return fmt.Sprintf("mkOption { type = types.str; default = \"m%d\"; description = \"A name.\"; }", m)
	case kStrList:
		return "mkOption { type = types.listOf types.str; default = [ ]; description = \"Some words.\"; }"
	case kLines:
		return "mkOption { type = types.lines; default = \"\"; description = \"Some lines.\"; }"
	case kSub:
		return `mkOption {
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          enable = mkOption { type = types.bool; default = false; };
          port = mkOption { type = types.port; default = 80; };
          tags = mkOption { type = types.listOf types.str; default = [ ]; };
          label = mkOption { type = types.str; default = name; };
        };
      }));
      default = { };
      description = "Named services.";
    }`
	case kEnum:
		return "mkOption { type = types.enum [ \"a\" \"b\" \"c\" ]; default = \"a\"; description = \"A choice.\"; }"
	case kIntAttr:
		return "mkOption { type = types.attrsOf types.int; default = { }; description = \"Named numbers.\"; }"
	case kIntList:
		return "mkOption { type = types.listOf types.int; default = [ ]; description = \"Numbers.\"; }"
	default:
		return "mkOption { type = types.nullOr types.str; default = null; description = \"An optional name.\"; }"
	}
}

// single wraps the value of a single-valued option in a priority no other
// definition of that option has.
func single(path, v string, prio map[string]int) string {
	c := prio[path]
	prio[path]++
	switch c {
	case 0:
		return "mkDefault " + v
	case 1:
		return "mkForce " + v
	default:
		return fmt.Sprintf("mkOverride %d %s", 100+c, v)
	}
}

func order(r *rand.Rand, v string) string {
	switch r.IntN(5) {
	case 0:
		return "mkBefore " + v
	case 1:
		return "mkAfter " + v
	case 2:
		return fmt.Sprintf("mkOrder %d %s", 500+r.IntN(1000), v)
	default:
		return v
	}
}

func definition(r *rand.Rand, k int, path string, n int, prio map[string]int) string {
	var v string
	switch k {
	case kBool:
		switch r.IntN(3) {
		case 0:
			v = "true"
		case 1:
			v = "mkDefault " + fmt.Sprint(strings.HasSuffix(path, "0.o0") || strings.HasSuffix(path, "2.o0"))
		default:
			v = "mkOverride 900 true"
		}
	case kInt:
		v = single(path, fmt.Sprint(n), prio)
	case kStr:
		v = single(path, fmt.Sprintf("\"s%d\"", n), prio)
	case kStrList:
		v = order(r, fmt.Sprintf("[ \"w%d\" \"x%d\" ]", n, n))
	case kLines:
		v = order(r, fmt.Sprintf("\"line %d\"", n))
	case kSub:
		if r.IntN(4) == 0 {
			v = fmt.Sprintf("{ shared = { enable = true; tags = [ \"t%d\" ]; }; }", n)
		} else {
			v = fmt.Sprintf("{ s%d = { enable = mkDefault true; port = %d; tags = mkMerge [ [ \"a%d\" ] (mkIf true [ \"b%d\" ]) ]; }; }", n, 1024+n, n, n)
		}
	case kEnum:
		v = single(path, fmt.Sprintf("%q", []string{"a", "b", "c"}[n%3]), prio)
	case kIntAttr:
		v = fmt.Sprintf("{ k%d = %d; }", n, n)
	case kIntList:
		v = order(r, fmt.Sprintf("[ %d ]", n))
	default:
		if n%5 == 0 {
			v = single(path, "null", prio)
		} else {
			v = single(path, fmt.Sprintf("\"n%d\"", n), prio)
		}
	}
	return fmt.Sprintf("{ %s = %s; }", path, v)
}
