package eval

import (
	"context"
	"testing"
)

// moduleReference is the Nix code of cairn's lib (internal/module/lib/
// modules.nix) that the module primitives replace: their reference.
const moduleReference = `
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkDefinition = args: args // { _type = "definition"; };
  kindOf = v: v._type or "";
  pushDownProperties = cfg:
    let
      k = cfg._type or "";
      wrapEach = wrap: map (s: if builtins.isAttrs s then builtins.mapAttrs (_: wrap) s else s);
    in
    if k == "merge" then builtins.concatMap pushDownProperties cfg.contents
    else if k == "if" then wrapEach (mkIf cfg.condition) (pushDownProperties cfg.content)
    else if k == "override" then wrapEach (mkOverride cfg.priority) (pushDownProperties cfg.content)
    else [ cfg ];
  dischargeProperties = def:
    let k = def._type or ""; in
    if k == "merge" then builtins.concatMap dischargeProperties def.contents
    else if k == "if" then
      if !builtins.isBool def.condition then throw "‘mkIf’ called with a non-Boolean condition"
      else if def.condition then dischargeProperties def.content else [ ]
    else [ def ];
  filterOverrides' = defs:
    let
      prioOf = def: if def.value._type or "" == "override" then def.value.priority else 100;
      unwrap = def: if def.value._type or "" == "override" then def // { value = def.value.content; } else def;
      highestPrio = builtins.foldl' (p: def: let q = prioOf def; in if q < p then q else p) 9999 defs;
    in
    if builtins.length defs == 1 then { highestPrio = prioOf (builtins.head defs); values = map unwrap defs; }
    else { inherit highestPrio; values = map unwrap (builtins.filter (def: prioOf def == highestPrio) defs); };
  sortProperties = defs:
    let
      unwrap = def: if kindOf def.value == "order" then def // { value = def.value.content; inherit (def.value) priority; } else def;
    in
    builtins.sort (x: y: (x.priority or 1000) < (y.priority or 1000)) (map unwrap defs);
  definitions = defs:
    let
      single = builtins.head defs;
      plainSingle = builtins.length defs == 1 && !(builtins.isAttrs single.value && single.value ? _type);
      discharged = builtins.concatMap (def:
        map (v: if kindOf v == "definition" then v else { inherit (def) file; value = v; pos = def.pos or null; })
          (dischargeProperties def.value)) defs;
      filtered = filterOverrides' discharged;
    in
    if plainSingle then { values = defs; highestPrio = 100; }
    else {
      inherit (filtered) highestPrio;
      values = if builtins.any (def: kindOf def.value == "order") filtered.values
        then sortProperties filtered.values else filtered.values;
    };
  groupDecls = decls: builtins.zipAttrsWith (_: v: v) (map (d: builtins.mapAttrs (n: o: { inherit (d) _file; pos = builtins.unsafeGetAttrPos n d.options; options = o; }) d.options) decls);
  group = configs: {
    defs = builtins.zipAttrsWith (_: v: v) (map (c: builtins.mapAttrs (n: v: { inherit (c) file; value = v; pos = builtins.unsafeGetAttrPos n c.config; }) c.config) configs);
    subs = builtins.zipAttrsWith (_: builtins.concatLists) (map (c: builtins.mapAttrs (_: v: map (sub: { inherit (c) file; config = sub; }) (pushDownProperties v)) c.config) configs);
  };
`

// TestModuleBuiltins compares each module primitive with the Nix code it
// replaces, on the same inputs, in one evaluator: the printed results
// (or whether both fail) must agree.
func TestModuleBuiltins(t *testing.T) {
	cases := map[string][]string{
		"definitions": {
			`[ { file = "a"; value = 1; } ]`,
			`[ { file = "a"; value = 1; pos = { line = 3; }; } ]`,
			`[ { file = "a"; value = { x = 1; }; } { file = "b"; value = { y = 2; }; } ]`,
			`[ { file = "a"; value = mkIf true 1; } ]`,
			`[ { file = "a"; value = mkIf false 1; } ]`,
			`[ { file = "a"; value = mkIf "yes" 1; } ]`,
			`[ { file = "a"; value = mkMerge [ 1 (mkIf true 2) (mkIf false 3) (mkMerge [ 4 ]) ]; } ]`,
			`[ { file = "a"; value = mkOverride 50 1; } { file = "b"; value = 2; } { file = "c"; value = mkOverride 50 3; } ]`,
			`[ { file = "a"; value = mkOverride 1000 1; } { file = "b"; value = mkOverride 1500 2; } ]`,
			`[ { file = "a"; value = mkOverride 20000 1; } ]`,
			`[ { file = "a"; value = mkOverride 20000 1; } { file = "b"; value = mkOverride 30000 2; } ]`,
			`[ { file = "a"; value = mkOrder 1500 [ 1 ]; } { file = "b"; value = [ 2 ]; } { file = "c"; value = mkOrder 500 [ 3 ]; } { file = "d"; value = mkOrder 500 [ 4 ]; } ]`,
			`[ { file = "a"; value = mkOverride 10 (mkOrder 5 "x"); } { file = "b"; value = mkIf true (mkOverride 10 "y"); } ]`,
			`[ { file = "a"; value = mkDefinition { file = "z"; value = 7; }; } { file = "b"; value = 8; } ]`,
			`[ { file = "a"; value = { _type = "other"; v = 1; }; } ]`,
			`[ ]`,
			`[ { file = "a"; value = throw "boom"; } ]`,
			`[ { file = "a"; value = mkMerge [ (throw "lazy") ]; } { file = "b"; value = 1; } ]`,
		},
		"pushDown": {
			`{ a = 1; }`,
			`mkMerge [ { a = 1; } { b = 2; } ]`,
			`mkIf true { a = 1; b = mkMerge [ 2 ]; }`,
			`mkIf (throw "not forced") { a = 1; }`,
			`mkOverride 10 (mkIf false { a = { b = 1; }; })`,
			`mkMerge [ (mkIf true (mkOverride 5 { a = 1; })) 3 ]`,
			`mkMerge [ ]`,
		},
		"groupDecls": {
			`[ { _file = "a"; options = { x = 1; y = { z = 2; }; }; } { _file = "b"; options = { x = 3; }; } ]`,
			`[ ]`,
			`[ { _file = "a"; options = { }; } { _file = "b"; options = { w = throw "lazy"; }; } ]`,
		},
		"group": {
			`[ { file = "a"; config = { x = 1; y = mkIf true { z = 2; }; }; } { file = "b"; config = { x = mkMerge [ { q = 1; } { r = 2; } ]; }; } ]`,
			`[ ]`,
			`[ { file = "a"; config = { }; } ]`,
		},
	}
	ev := New(context.Background(), Options{Dir: "/"})
	prims := map[string]*Primop{}
	for _, op := range moduleBuiltins() {
		prims[op.Name] = op
	}
	goName := map[string]string{"definitions": "__cairnDefinitions", "pushDown": "__cairnPushDownProperties", "group": "__cairnGroupConfigs", "groupDecls": "__cairnGroupDeclarations"}
	refName := map[string]string{"definitions": "definitions", "pushDown": "pushDownProperties", "group": "group", "groupDecls": "groupDecls"}
	for fn, inputs := range cases {
		op := prims[goName[fn]]
		if op == nil {
			t.Fatalf("no builtin %s", goName[fn])
		}
		for _, in := range inputs {
			// Positions differ between the two sides (the reference's
			// mapAttrs may drop them): compare without them.
			src := "prim: let" + moduleReference + `
  strip = v: if builtins.isAttrs v then builtins.mapAttrs (n: x: if n == "pos" then null else strip x) v
    else if builtins.isList v then map strip v else v;
  run = f: builtins.tryEval (let r = strip (f (` + in + `)); in builtins.deepSeq r r);
in { go = run prim; nix = run ` + refName[fn] + `; }`
			f, err := ev.EvalString(src, "/")
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			v, err := ev.Call(f, op)
			if err == nil {
				err = ev.ForceDeep(v)
			}
			if err != nil {
				t.Errorf("%s %s: %v", fn, in, err)
				continue
			}
			s := v.(*Attrs)
			g, _ := s.Get("go")
			n, _ := s.Get("nix")
			gs, ns := ev.Print(g.Value), ev.Print(n.Value)
			if gs != ns {
				t.Errorf("%s %s:\n go: %s\nnix: %s", fn, in, gs, ns)
			}
		}
	}
}
