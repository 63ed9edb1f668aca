# Modules given as paths (keys and files from the path, imports of paths,
# duplicates), _module.args priorities, pushed-down mkIf/mkForce in nested
# attrsOf, a top-level freeformType, check = false, args =, and listOf
# submodule names.
lib:
let
  inherit (lib) mkOption types mkIf mkForce mkDefault;
  e = lib.evalModules {
    modules = [
      ./files/a.nix
      ./files/c.nix
      ./files/c.nix
      { imports = [ ./files/b.nix ]; }
      { options.list = mkOption { type = types.listOf types.str; }; options.meta = mkOption { type = types.attrsOf types.int; default = { }; }; }
      { _module.args.extra = mkForce "forced"; }
      { _module.args.extra = "plain"; }
      ({ extra, ... }: { options.ex = mkOption { type = types.str; default = extra; }; })
      { options.deep = mkOption { type = types.attrsOf (types.attrsOf types.int); default = { }; }; }
      { deep = mkIf true { a.x = 1; b = mkIf false { y = 2; }; }; }
      { deep.a = mkForce { z = 3; }; }
      { deep.a.x = mkDefault 7; }
    ];
  };
  f = lib.evalModules {
    modules = [
      { freeformType = types.attrsOf (types.attrsOf types.anything); options.known = mkOption { type = types.int; default = 1; }; }
      { free.a = 1; free.b = { c = 1; }; }
      { free.b = { d = mkDefault 2; }; known = 4; }
    ];
  };
  g = lib.evalModules { modules = [ { options.x = mkOption { type = types.int; default = 1; }; } { y = 2; } ]; check = false; };
  h = lib.evalModules { modules = [ ({ foo, ... }: { options.x = mkOption { default = foo; }; }) ]; args.foo = 3; };
  i = lib.evalModules {
    modules = [
      { options.s = mkOption { type = types.listOf (types.submodule ({ name, config, ... }: { options.n = mkOption { type = types.str; default = name; }; options.m = mkOption { type = types.int; default = 0; }; })); default = [ ]; }; }
      { s = [ { m = 1; } { } ]; }
      { s = [ ({ ... }: { m = 2; }) ]; }
    ];
  };
in
{
  e = e.config;
  eFiles = map baseNameOf e.options.list.files;
  eDecls = map baseNameOf e.options.fromA.declarations;
  graph = map (g: g // { file = baseNameOf g.file; key = baseNameOf g.key; imports = map (i: baseNameOf i.file) g.imports; }) e.graph;
  f = f.config;
  g = g.config;
  h = h.config;
  i = i.config;
  iopt = map (x: x.n) i.config.s;
}
