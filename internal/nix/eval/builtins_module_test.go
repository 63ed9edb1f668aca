package eval

import (
	"cmp"
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
  badDecl = d: throw "bad declaration ${builtins.typeOf d.options}";
  badConfig = c: throw "bad config ${builtins.typeOf c.config}";
  groupDecls' = decls: builtins.zipAttrsWith (_: v: v) (map (d: builtins.mapAttrs (n: o: { inherit (d) _file; pos = builtins.unsafeGetAttrPos n d.options; options = o; }) d.options) decls);
  groupDecls = decls: groupDecls' (map (d: if !builtins.isAttrs d.options then badDecl d else d) decls);
  group = configs: group' (map (c: if builtins.isAttrs c.config then c else badConfig c) configs);
  group' = configs: {
    defs = builtins.zipAttrsWith (_: v: v) (map (c: builtins.mapAttrs (n: v: { inherit (c) file; value = v; pos = builtins.unsafeGetAttrPos n c.config; }) c.config) configs);
    subs = builtins.zipAttrsWith (_: builtins.concatLists) (map (c: builtins.mapAttrs (_: v: map (sub: { inherit (c) file; config = sub; }) (pushDownProperties v)) c.config) configs);
  };
  unmatched = args: let results = builtins.elemAt args 0; defs = builtins.elemAt args 1; in
    builtins.concatLists (map (name: map (def: def // { prefix = [ name ] ++ (def.prefix or [ ]); }) (builtins.getAttr name
      (builtins.mapAttrs (_: r: r.unmatchedDefns) results // builtins.removeAttrs defs (builtins.attrNames results))))
      (builtins.attrNames (results // defs)));
  selectEach = args: builtins.mapAttrs (_: r: r.${builtins.elemAt args 0}) (builtins.elemAt args 1);
  isOption = v: v._type or "" == "option";
  mapCond = cond: f: set: let go = path: builtins.mapAttrs (n: v: let here = path ++ [ n ]; in
    if builtins.isAttrs v && cond v then go here v else f here v); in go [ ] set;
  optionValues = mapCond (v: !isOption v) (_: v: v.value);
  moduleConfigs = builtins.concatMap (m: map (c: { file = m._file; config = c; }) (pushDownProperties m.config));
  reverseList = xs: let n = builtins.length xs; in builtins.genList (i: builtins.elemAt xs (n - i - 1)) n;
  checkedByValues = self: _: defs: let bad = builtins.filter (d: !self.check d.value) defs; in
    if bad == [ ] then null else "bad: ${toString (map (d: d.file) bad)}";
  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "never"
    else if builtins.length defs == 1 then (builtins.head defs).value
    else
      let first = builtins.head defs; conflicts = builtins.filter (d: d.value != first.value) (builtins.tail defs); in
      if conflicts == [ ] then first.value else throw "conflict at ${toString loc}";
  mergeHelpers = {
    inherit checkedByValues mergeEqualOption;
    typeErrorThrow = loc: type: err: throw "type error at ${toString loc} (${type.description}): ${err}";
    checkThrow = loc: type: bad: throw "check failed at ${toString loc} (${type.description}): ${toString (map (d: d.file) bad)}";
    undefinedThrow = loc: throw "undefined at ${toString loc}";
  };
  mergeDefinitions = args: let loc = builtins.elemAt args 0; type = builtins.elemAt args 1; defs = builtins.elemAt args 2; in rec {
    defsFinal' = definitions defs;
    defsFinal = defsFinal'.values;
    isDefined = defsFinal != [ ];
    mergedValue =
      if isDefined then
        if type ? typeError then
          let err = type.typeError type loc defsFinal; in
          if err == null then type.merge loc defsFinal else mergeHelpers.typeErrorThrow loc type err
        else
          let bad = builtins.filter (def: !type.check def.value) defsFinal; in
          if bad == [ ] then type.merge loc defsFinal else mergeHelpers.checkThrow loc type bad
      else if type.emptyValue ? value then type.emptyValue.value
      else mergeHelpers.undefinedThrow loc;
    optionalValue = if isDefined then { value = mergedValue; } else { };
    checkedAndMerged = { headError = null; value = mergedValue; valueMeta = { }; };
  };
  intType = { description = "int"; check = builtins.isInt; merge = loc: defs: map (d: d.value) defs; emptyValue = { }; };
  listType = intType // { description = "list"; check = builtins.isList; typeError = checkedByValues; merge = loc: defs: builtins.concatMap (d: d.value) defs; emptyValue = { value = [ ]; }; };
  eqType = intType // { merge = mergeEqualOption; };
  otherErrType = intType // { typeError = self: loc: defs: if builtins.length defs > 1 then "too many" else null; };
  mergeList = elemType: loc: defs:
    map (r: r.mergedValue) (builtins.filter (r: r.isDefined) (builtins.concatLists (builtins.genList (n: let def = builtins.elemAt defs n; in
      builtins.genList (m: mergeDefinitions [ (loc ++ [ "[definition ${toString (n + 1)}-entry ${toString (m + 1)}]" ]) elemType
        [ { inherit (def) file; value = builtins.elemAt def.value m; pos = def.pos or null; } ] ]) (builtins.length def.value)) (builtins.length defs))));
  mergeAttrs = elemType: lazy: loc: defs:
    let
      results = builtins.zipAttrsWith (n: ds: mergeDefinitions [ (loc ++ [ n ]) elemType ds ])
        (map (def: builtins.mapAttrs (_: v: { inherit (def) file; value = v; pos = def.pos or null; }) def.value) defs);
    in
    if lazy then builtins.mapAttrs (_: r: if r.isDefined then r.mergedValue else elemType.emptyValue.value or r.mergedValue) results
    else builtins.mapAttrs (_: r: r.mergedValue) (builtins.removeAttrs results (builtins.filter (n: !results.${n}.isDefined) (builtins.attrNames results)));
  results = args:
    let single = builtins.elemAt args 0; other = builtins.elemAt args 1; prefix = builtins.elemAt args 3; defs = builtins.elemAt args 5; in
    builtins.mapAttrs (name: ds:
      if builtins.length ds == 1 && (builtins.head ds).options._type or null == "option" then
        { matchedOptions = single (prefix ++ [ name ]) (builtins.head ds) (defs.${name} or [ ]); unmatchedDefns = [ ]; }
      else other name ds) (builtins.elemAt args 4);
  structuralAttrs = [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ];
  unify = file: key: m:
    let
      extras = cfg: let withMeta = if m ? meta then mkMerge [ cfg { meta = m.meta; } ] else cfg; in
        if m ? freeformType then mkMerge [ withMeta { _module.freeformType = m.freeformType; } ] else withMeta;
    in
    if !builtins.isAttrs m then throw "not a module"
    else if m ? config || m ? options then
      let stray = builtins.removeAttrs m structuralAttrs; in
      if stray != { } then throw "stray"
      else { _file = toString m._file or file; _class = m._class or null; key = toString m.key or key; disabledModules = m.disabledModules or [ ];
        imports = m.imports or [ ]; options = m.options or { }; config = extras (m.config or { }); }
    else { _file = toString m._file or file; _class = m._class or null; key = toString m.key or key; disabledModules = m.disabledModules or [ ];
      imports = m.require or [ ] ++ m.imports or [ ]; options = { };
      config = extras (builtins.removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]); };
  applyArgs = key: f: args: f (args // builtins.mapAttrs (name: _: args.${name} or args.config._module.args.${name}) (builtins.functionArgs f));
  load = args: file: key: m:
    if builtins.isFunction m || builtins.isAttrs m && m ? __functor then unify file key (applyArgs key m args)
    else if builtins.isAttrs m then
      let k = m._type or "module"; in
      if k == "module" then unify file key m
      else if k == "if" || k == "override" then load args file key { config = m; }
      else throw "not a module: ${k}"
    else throw "a path";
  loadHelpers = { inherit load; apply = applyArgs; unify = unify; };
  collect = spec:
    let
      walk = file: parentKey: ms: builtins.genList (i:
        let m = spec.load file "${parentKey}:anon-${toString (i + 1)}" (builtins.elemAt ms i); in
        { inherit (m) key; module = m; children = walk m._file m.key m.imports; }) (builtins.length ms);
      tree = walk spec.file "" spec.roots;
      disabledIn = builtins.concatMap (node: map (spec.disabledKey node.module._file) node.module.disabledModules ++ disabledIn node.children);
      disabledKeys = disabledIn tree;
      enabled = builtins.filter (node: !builtins.elem node.key disabledKeys);
    in
    map (node: node.module) (builtins.genericClosure { startSet = enabled tree; operator = node: enabled node.children; });
`

// collectSpec is the start of an argument of __cairnCollect whose
// modules are sets { n; key?; file?; imports?; disabled?; }; roots
// follow.
const collectSpec = `{ load = file: key: raw: { key = raw.key or key; _file = raw.file or file; imports = raw.imports or [ ]; disabledModules = raw.disabled or [ ]; n = raw.n; }; disabledKey = file: d: d; file = "<unknown>"; roots = `

// resultsFns starts the arguments of __cairnResults: single, other and
// prefix; declsByName and defsByName follow.
const resultsFns = `[ (loc: d: defs: { inherit loc; file = d._file; defs = builtins.tryEval defs; }) (name: ds: { other = name; n = builtins.length ds; }) (loc: ds: subs: { other = builtins.elemAt loc 1; n = builtins.length ds; }) [ "p" ] `

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
			`[ { _file = "a"; options = { x = 1; }; } { _file = "b"; options = 3; } ]`,
		},
		"group": {
			`[ { file = "a"; config = { x = 1; y = mkIf true { z = 2; }; }; } { file = "b"; config = { x = mkMerge [ { q = 1; } { r = 2; } ]; }; } ]`,
			`[ ]`,
			`[ { file = "a"; config = { }; } ]`,
			`[ { file = "a"; config = { x = 1; }; } { file = "b"; config = [ 1 ]; } ]`,
		},
		"unmatched": {
			`[ { } { } ]`,
			`[ { a = { unmatchedDefns = [ ]; }; b = { unmatchedDefns = [ { file = "f"; value = 1; prefix = [ "x" ]; } ]; }; } { a = [ { file = "g"; value = 2; } ]; c = [ { file = "h"; value = 3; } { file = "i"; value = 4; } ]; } ]`,
			`[ { b = { unmatchedDefns = [ { file = "f"; value = 1; } ]; }; } { a = [ { file = "g"; value = 2; } ]; z = [ ]; } ]`,
			`[ { b = throw "results"; } { a = [ ]; } ]`,
			`[ { b = { unmatchedDefns = [ (throw "lazy element") ]; }; } { } ]`,
		},
		"selectEach": {
			`[ "m" { a = { m = 1; }; b = { m = 2; n = 3; }; } ]`,
			`[ "m" { } ]`,
			`[ "m" { a = throw "lazy"; b = { m = 1; }; } ]`,
		},
		"moduleConfigs": {
			`[ ]`,
			`[ { _file = "a"; config = { x = 1; }; } { _file = "b"; config = mkMerge [ { y = 2; } (mkIf false { z = 3; }) ]; } { _file = "c"; config = mkMerge [ ]; } ]`,
			`[ { _file = throw "lazy file"; config = { x = 1; }; } ]`,
			`[ { _file = "a"; config = throw "config"; } ]`,
		},
		"reverseList": {
			`[ ]`,
			`[ 1 2 3 ]`,
			`[ (throw "lazy") 2 ]`,
		},
		"mergeDefinitions": {
			`[ [ "a" ] intType [ { file = "f"; value = 1; } ] ]`,
			`[ [ "a" ] intType [ { file = "f"; value = 1; } { file = "g"; value = mkOverride 1000 2; } ] ]`,
			`[ [ "a" ] intType [ { file = "f"; value = "x"; } { file = "g"; value = 2; } ] ]`,
			`[ [ "a" ] intType [ ] ]`,
			`[ [ "a" ] listType [ ] ]`,
			`[ [ "a" ] listType [ { file = "f"; value = [ 1 ]; } { file = "g"; value = mkOrder 500 [ 2 ]; } ] ]`,
			`[ [ "a" ] listType [ { file = "f"; value = [ 1 ]; } { file = "g"; value = 2; } ] ]`,
			`[ [ "a" ] otherErrType [ { file = "f"; value = 1; } ] ]`,
			`[ [ "a" ] otherErrType [ { file = "f"; value = 1; } { file = "g"; value = 2; } ] ]`,
			`[ [ "a" ] intType [ { file = "f"; value = mkIf false 1; } ] ]`,
			`[ [ "a" ] (intType // { emptyValue = { value = 0; }; }) [ { file = "f"; value = mkIf false 1; } ] ]`,
			`[ [ "a" ] eqType [ { file = "f"; value = 1; } ] ]`,
			`[ [ "a" ] eqType [ { file = "f"; value = 1; } { file = "g"; value = 1; } ] ]`,
			`[ [ "a" ] eqType [ { file = "f"; value = 1; } { file = "g"; value = 2; } ] ]`,
			`[ [ "a" ] eqType [ { file = "f"; value = mkIf false 1; } ] ]`,
		},
		"mergeList": {
			`[ intType [ "l" ] [ ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ 1 2 ]; } { file = "g"; value = [ (mkIf false 3) 4 ]; pos = 7; } ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ "x" ]; } ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ (mkIf true (throw "element")) ]; } ] ]`,
		},
		"mergeAttrs": {
			`[ intType false [ "a" ] [ ] ]`,
			`[ intType false [ "a" ] [ { file = "f"; value = { x = 1; y = mkIf false 2; }; } { file = "g"; value = { x = mkOverride 50 3; z = 4; }; } ] ]`,
			`[ intType true [ "a" ] [ { file = "f"; value = { x = 1; y = mkIf false 2; }; } ] ]`,
			`[ (intType // { emptyValue = { value = 0; }; }) true [ "a" ] [ { file = "f"; value = { y = mkIf false 2; }; } ] ]`,
			`[ intType false [ "a" ] [ { file = "f"; value = { x = "s"; }; } ] ]`,
		},
		"results": {
			resultsFns + `{ } { } { } ]`,
			resultsFns + `{ a = [ { _file = "x"; options = { _type = "option"; }; } ]; b = [ { _file = "y"; options = { c = 1; }; } ]; c = [ { _file = "z"; options = { _type = "option"; }; } { _file = "w"; options = { _type = "option"; }; } ]; d = [ { _file = "v"; options = 3; } ]; } { a = [ 1 ]; b = [ 2 ]; } { b = [ 3 ]; } ]`,
			resultsFns + `{ a = [ { _file = "x"; options = { _type = "option"; }; } ]; } (throw "lazy defs") { } ]`,
		},
		"unify": {
			`[ "f" "k" { config = { a = 1; }; } ]`,
			`[ /some/file "k" { options = { o = 1; }; imports = [ 1 ]; _file = /other; key = "K"; _class = "c"; disabledModules = [ "d" ]; } ]`,
			`[ "f" "k" { a = 1; imports = [ 2 ]; require = [ 3 ]; key = "x"; } ]`,
			`[ "f" "k" { config = { }; stray = 1; } ]`,
			`[ "f" "k" { config = { }; meta = { m = 1; }; } ]`,
			`[ "f" "k" { freeformType = 1; x = 2; } ]`,
			`[ "f" "k" 3 ]`,
			`[ "f" "k" { } ]`,
		},
		"applyArgs": {
			`[ "k" ({ a, b ? 2, ... }: [ a b ]) { a = 1; config._module.args.b = 3; } ]`,
			`[ "k" ({ a, ... }@all: all) { a = 1; c = 2; config = { }; } ]`,
			`[ "k" (x: x) { a = 1; } ]`,
			`[ "k" ({ z, ... }: builtins.tryEval z) { config._module.args.z = throw "lazy"; } ]`,
		},
		"load": {
			`[ { a = 1; config = { }; } "f" "k" ({ a, ... }: { config.x = a; }) ]`,
			`[ { } "f" "k" { options.y = 1; } ]`,
			`[ { } "f" "k" { _type = "module"; config.z = 1; } ]`,
			`[ { } "f" "k" (mkIf true { w = 1; }) ]`,
			`[ { } "f" "k" { _type = "other"; } ]`,
			`[ { } "f" "k" 3 ]`,
		},
		"mergeListCore": {
			`[ intType [ "l" ] [ ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ 1 2 ]; } { file = "g"; value = [ (mkIf false 3) 4 ]; pos = 7; } ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ "x" ]; } ] ]`,
			`[ intType [ "l" ] [ { file = "f"; value = [ (mkIf true (throw "element")) ]; } ] ]`,
		},
		"mergeAttrsCore": {
			`[ intType false [ "a" ] [ ] ]`,
			`[ intType false [ "a" ] [ { file = "f"; value = { x = 1; y = mkIf false 2; }; } { file = "g"; value = { x = mkOverride 50 3; z = 4; }; } ] ]`,
			`[ intType true [ "a" ] [ { file = "f"; value = { x = 1; y = mkIf false 2; }; } ] ]`,
			`[ (intType // { emptyValue = { value = 0; }; }) true [ "a" ] [ { file = "f"; value = { y = mkIf false 2; }; } ] ]`,
			`[ intType false [ "a" ] [ { file = "f"; value = { x = "s"; }; } ] ]`,
		},
		"collect": {
			collectSpec + `[ ]; }`,
			collectSpec + `[ { n = "a"; imports = [ { n = "b"; } { n = "c"; key = "C"; } ]; } { n = "d"; key = "C"; } ]; }`,
			collectSpec + `[ { n = "a"; disabled = [ "X" ]; imports = [ { n = "x"; key = "X"; imports = [ { n = "y"; } ]; } ]; } { n = "z"; key = "X"; } ]; }`,
			collectSpec + `[ { n = "a"; imports = [ { n = "b"; imports = [ { n = "c"; } ]; } ]; } { n = "d"; imports = [ { n = "e"; key = "k"; } { n = "f"; key = "k"; } ]; } ]; }`,
			collectSpec + `[ { n = "a"; disabled = [ ":anon-2" ]; } { n = "b"; } ]; }`,
			collectSpec + `[ { n = "a"; } (throw "load") ]; }`,
			collectSpec + `[ { n = "a"; disabled = [ (throw "disabled") ]; } ]; }`,
		},
		"optionValues": {
			`{ }`,
			`{ a = { _type = "option"; value = 1; }; b = { c = { _type = "option"; value = [ 2 ]; }; d = { }; }; }`,
			`{ a = { b = { c = { _type = "option"; value = 1; }; }; }; }`,
			`{ a = { _type = "option"; value = throw "value"; }; }`,
			`{ a = throw "lazy"; }`,
		},
	}
	ev := New(context.Background(), Options{Dir: "/"})
	prims := map[string]*Primop{}
	for _, op := range moduleBuiltins() {
		prims[op.Name] = op
	}
	goName := map[string]string{"definitions": "__cairnDefinitions", "pushDown": "__cairnPushDownProperties", "group": "__cairnGroupConfigs", "groupDecls": "__cairnGroupDeclarations",
		"unmatched": "__cairnUnmatched", "selectEach": "__cairnSelectEach", "optionValues": "__cairnOptionValues", "collect": "__cairnCollect", "unify": "__cairnUnifyModuleSyntax", "load": "__cairnLoadModule", "applyArgs": "__cairnApplyModuleArgs", "moduleConfigs": "__cairnModuleConfigs", "reverseList": "__cairnReverseList", "mergeDefinitions": "__cairnMergeDefinitions", "mergeList": "__cairnMergeList", "mergeAttrs": "__cairnMergeAttrs", "mergeListCore": "__cairnMergeList", "mergeAttrsCore": "__cairnMergeAttrs", "results": "__cairnResults"}
	refName := map[string]string{"definitions": "definitions", "pushDown": "pushDownProperties", "group": "group", "groupDecls": "groupDecls",
		"unmatched": "unmatched", "selectEach": "selectEach", "optionValues": "optionValues", "collect": "collect", "unify": "(args: builtins.foldl' (f: x: f x) unify args)", "load": "(args: builtins.foldl' (f: x: f x) load args)", "applyArgs": "(args: builtins.foldl' (f: x: f x) applyArgs args)", "moduleConfigs": "moduleConfigs", "reverseList": "reverseList", "mergeDefinitions": "mergeDefinitions", "results": "results", "mergeList": "(args: mergeList (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2))", "mergeAttrs": "(args: mergeAttrs (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2) (builtins.elemAt args 3))",
		"mergeListCore": "(args: mergeList (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2))", "mergeAttrsCore": "(args: mergeAttrs (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2) (builtins.elemAt args 3))"}
	// The Go side of the primitives that take a function to throw with,
	// or two arguments: the same arguments as the reference.
	goCall := map[string]string{"group": "prim badConfig", "groupDecls": "prim badDecl",
		"unmatched":        "(args: prim (builtins.elemAt args 0) (builtins.elemAt args 1))",
		"selectEach":       "(args: prim (builtins.elemAt args 0) (builtins.elemAt args 1))",
		"mergeDefinitions": "(args: prim mergeHelpers (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2))",
		"results":          "(args: builtins.foldl' (f: x: f x) prim args)",
		"unify":            "(args: builtins.foldl' (f: x: f x) (prim unify) args)",
		"load":             "(args: builtins.foldl' (f: x: f x) (prim loadHelpers) args)",
		"applyArgs":        "(args: builtins.foldl' (f: x: f x) (prim applyArgs) args)",
		// The Core cases give the builtin the evaluator's own
		// mergeDefinitions, which it calls without its set.
		"mergeListCore":  "(args: builtins.foldl' (f: x: f x) (prim (builtins.__cairnMergeDefinitions mergeHelpers)) args)",
		"mergeAttrsCore": "(args: builtins.foldl' (f: x: f x) (prim (builtins.__cairnMergeDefinitions mergeHelpers)) args)",
		"mergeList":      "(args: prim (l: t: d: mergeDefinitions [ l t d ]) (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2))",
		"mergeAttrs":     "(args: prim (l: t: d: mergeDefinitions [ l t d ]) (builtins.elemAt args 0) (builtins.elemAt args 1) (builtins.elemAt args 2) (builtins.elemAt args 3))"}
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
in { go = run (` + cmp.Or(goCall[fn], "prim") + `); nix = run ` + refName[fn] + `; }`
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
