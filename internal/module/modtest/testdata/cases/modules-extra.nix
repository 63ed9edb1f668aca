# Module-system corners: options declared twice (submodule and enum type
# merging), option trees inside submodules, aliases, merged/changed option
# modules, function/deferred/unique/coercedTo types, mkOrder, extendModules,
# freeform at the top level, disabledModules, graphs, the documentation list,
# low-level property helpers and type names, descriptions and checks.
lib:
let
  inherit (lib) mkOption types mkIf mkMerge mkDefault mkForce mkOrder;
  ev = modules: lib.evalModules { inherit modules; };
  e1 = ev [
    { options.a = mkOption { type = types.submodule { options.x = mkOption { type = types.int; default = 1; }; }; default = { }; }; }
    { options.a = mkOption { type = types.submodule { options.y = mkOption { type = types.str; default = "y"; }; }; }; }
    { a.x = 5; }
    { options.old.name = mkOption { type = types.str; default = "n"; }; }
    (lib.mkAliasOptionModule [ "alias" ] [ "old" "name" ])
    { alias = "via-alias"; }
    { options.e = mkOption { type = types.enum [ "a" ]; default = "a"; }; }
    { options.e = mkOption { type = types.enum [ "b" ]; }; }
    { e = "b"; }
    { options.tree.sub = mkOption { type = types.submodule { options.p = mkOption { type = types.int; default = 2; }; }; default = { }; }; }
    { options.tree.sub.q = mkOption { type = types.int; default = 3; }; }
  ];
  e2 = ev [
    ({ config, ... }: {
      options.fn = mkOption { type = types.functionTo (types.listOf types.str); };
      options.dm = mkOption { type = types.deferredModule; default = { }; };
      options.l = mkOption { type = types.listOf (types.submodule { options.n = mkOption { type = types.int; }; }); };
      options.ne = mkOption { type = types.nonEmptyListOf types.int; };
      options.lz = mkOption { type = types.lazyAttrsOf (types.listOf types.int); default = { }; };
      options.anyf = mkOption { type = types.anything; };
      options.sm = mkOption { type = types.strMatching "[a-z]+"; };
      options.pkg = mkOption { type = types.package; };
      options.u = mkOption { type = types.unique { message = "only one"; } types.int; };
      options.cs = mkOption { type = types.coercedTo types.int toString types.str; };
      options.ord = mkOption { type = types.listOf types.int; };
      options.bo = mkOption { type = types.boolByOr; };
      options.ul = mkOption { type = types.unspecified; };
      options.attrsSub = mkOption { type = types.attrsOf (types.submodule ({ name, ... }: { options.nm = mkOption { type = types.str; default = name; }; })); };
      config = mkMerge [
        { fn = x: [ x ]; }
        { fn = x: [ "${x}!" ]; }
        { l = [ { n = 1; } (mkIf false { n = 2; }) { n = 3; } ]; }
        { ne = [ 1 ]; }
        { lz.a = mkIf false [ 1 ]; lz.b = [ 2 ]; }
        { anyf = { f = x: x + 1; s = "s"; }; }
        { sm = "abc"; }
        { pkg = { type = "derivation"; name = "p"; outPath = "/nix/store/x"; }; }
        { u = mkDefault 1; }
        { u = 2; }
        { cs = 4; }
        { ord = mkOrder 2000 [ 1 ]; }
        { ord = [ 2 ]; }
        { ord = mkOrder 10 [ 3 ]; }
        { bo = false; }
        { bo = true; }
        { ul = [ 1 ]; }
        { ul = [ 2 ]; }
        { attrsSub.one = { }; attrsSub.two.nm = "x"; }
      ];
    })
  ];
  e3 = lib.evalModules {
    modules = [
      { options.a = mkOption { type = types.int; default = 1; }; }
      { freeformType = types.attrsOf types.str; free = "f"; }
      { _module.check = true; }
    ];
  };
  e3x = e3.extendModules { modules = [ { a = 9; } ]; };
  e4 = ev [
    { options.x = mkOption { type = types.int; }; options.y = mkOption { type = types.int; default = 0; }; options.warnings = mkOption { type = types.listOf types.str; default = [ ]; }; }
    (lib.mkMergedOptionModule [ [ "p" ] [ "q" ] ] [ "x" ] (config: config.p + config.q))
    { p = 1; q = 2; }
    (lib.mkChangedOptionModule [ "z" ] [ "y" ] (config: config.z * 10))
    { _file = "zfile.nix"; z = 4; }
  ];
  e5 = lib.evalModules {
    specialArgs.modulesPath = "/mp";
    modules = [
      { options.v = mkOption { type = types.listOf types.str; default = [ ]; }; }
      { key = "/mp/a.nix"; v = [ "a" ]; }
      { key = "/mp/b.nix"; v = [ "b" ]; imports = [ { key = "/mp/c.nix"; v = [ "c" ]; } ]; }
      { disabledModules = [ "a.nix" { key = "/mp/c.nix"; } ]; }
    ];
  };
in
{
  e1 = e1.config;
  e1types = [ e1.options.a.type.description e1.options.e.type.description e1.options.a.declarations e1.options.tree.sub.declarations (map (p: p.line) e1.options.a.declarationPositions) ];
  e1alias = [ e1.options.alias.isDefined e1.options.alias.highestPrio ];
  e2 = removeAttrs e2.config [ "fn" "anyf" "pkg" "dm" ] // {
    fn = e2.config.fn "hi";
    anyf = e2.config.anyf.f 1;
    pkgName = e2.config.pkg.name;
    dm = e2.config.dm;
    lzNames = builtins.attrNames e2.config.lz;
    ordDefs = e2.options.ord.definitions;
    ordFiles = e2.options.ord.files;
    uPrio = e2.options.u.highestPrio;
    sub = builtins.attrNames (e2.options.attrsSub.type.getSubOptions [ "attrsSub" ]);
    subLoc = (e2.options.attrsSub.type.getSubOptions [ "attrsSub" ]).nm.loc;
  };
  e3 = e3.config;
  e3x = e3x.config;
  e3graph = e3.graph;
  e4 = e4.config;
  e5 = e5.config;
  e5graph = e5.graph;
  docs = map (o: removeAttrs o [ "declarations" ]) (builtins.filter (o: !(builtins.elem "_module" o.loc)) (lib.optionAttrSetToDocList e1.options));
  docs2 = map (o: removeAttrs o [ "declarations" ]) (builtins.filter (o: !(builtins.elem "_module" o.loc)) (lib.optionAttrSetToDocList e2.options));
  priomerge = lib.modules.mergeAttrDefinitionsWithPrio (ev [ { options.m = mkOption { type = types.attrsOf types.int; }; } { m.a = mkDefault 1; m.b = 2; } ]).options.m;
  mapdef = lib.modules.mapDefinitionValue (x: x + 1) (mkIf true (mkForce 1));
  derived = lib.mkDerivedConfig { highestPrio = 1000; value = 3; } (x: x * 2);
  props = [ (lib.mkBefore 1) (lib.mkAfter 1) (lib.mkVMOverride 1) (lib.mkImageMediaOverride 1) (lib.mkOptionDefault 1) ];
  dis = lib.modules.dischargeProperties (mkMerge [ 1 (mkIf true 2) (mkIf false 3) (mkIf true (mkMerge [ 4 ])) ]);
  push = lib.modules.pushDownProperties (mkIf true { a = 1; b = mkMerge [ 2 ]; });
  fo = lib.modules.filterOverrides' [ { file = "a"; value = lib.mkOverride 10 1; } { file = "b"; value = 2; } { file = "c"; value = lib.mkOverride 10 3; } ];
  sp = lib.modules.sortProperties [ { value = mkOrder 5 "a"; } { value = "b"; } { value = mkOrder 5 "c"; } ];
  ty = with types; map (t: [ t.name t.description (t.descriptionClass or null) ]) [ (listOf (attrsOf str)) (nullOr (either int str)) (either (listOf int) str) (attrsOf (nullOr int)) (functionTo (attrsOf int)) (passwdEntry str) singleLineStr envVar pathInStore externalPath (pathWith { }) json toml (numbers.between 0 1.5) numbers.positive ints.s8 ints.u32 (submodule { freeformType = attrsOf str; }) (coercedTo int toString (listOf str)) optionType optionDeclaration shellPackage (enum [ ]) (uniq (listOf int)) (lazyAttrsOf (submodule { })) ];
  mergedTypes = [ (types.mergeTypes (types.enum [ "a" ]) (types.enum [ "b" ])).description (types.mergeTypes types.int types.str) (types.mergeTypes (types.listOf types.int) (types.listOf types.int)).description ];
  checks = with types; [ (path.check "/a") (path.check "a") (path.check /a) (pathInStore.check "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x") (pathInStore.check "/tmp") (externalPath.check "/tmp") (package.check "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x") (nonEmptyStr.check " ") (singleLineStr.check "a\n") (singleLineStr.check "a\nb") (ints.s8.check 128) (json.check { a = [ null 1.5 ]; }) ];
}
