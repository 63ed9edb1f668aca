# Laziness the module system must keep: conditions that read the option they
# guard, definitions whose names depend on config, _module.args feeding
# module arguments, options read while other options would fail, lazy
# attribute values referring to each other, deferred modules evaluated by a
# second evalModules, and submodule definitions given as functions.
lib:
let
  inherit (lib) mkOption mkIf mkMerge mkDefault types;
  e = lib.evalModules {
    modules = [
      ({ config, ... }: {
        options.foo.enable = mkOption { type = types.bool; default = false; };
        options.foo.bar = mkOption { type = types.int; default = 0; };
        options.foo.names = mkOption { type = types.listOf types.str; default = [ "x" "y" ]; };
        options.etc = mkOption { type = types.attrsOf types.str; default = { }; };
        options.broken = mkOption { type = types.int; };
        options.lazy = mkOption { type = types.lazyAttrsOf types.int; default = { }; };
        options.mods = mkOption { type = types.listOf types.deferredModule; default = [ ]; };
        options.users = mkOption {
          type = types.attrsOf (types.submoduleWith { modules = [ { options.home = mkOption { type = types.str; }; options.shell = mkOption { type = types.str; default = "sh"; }; } ]; });
          default = { };
        };
        config = mkIf config.foo.enable (mkMerge [
          { foo.bar = 1; }
          { etc = lib.genAttrs config.foo.names (n: "file ${n}"); }
          (mkIf (config.foo.bar > 0) { etc.extra = "bar is ${toString config.foo.bar}"; })
        ]);
      })
      ({ pkgs, ... }: { foo.enable = pkgs.enableFoo; })
      ({ config, ... }: { _module.args.pkgs = { enableFoo = config.foo.names != [ ]; }; })
      ({ config, ... }: {
        lazy.a = 1;
        lazy.b = config.lazy.a + 1;
        lazy.c = config.lazy.b * 10;
        broken = throw "never read";
        mods = [ { options.v = mkOption { type = types.int; default = 3; }; } ({ config, ... }: { options.w = mkOption { type = types.int; default = config.v * 2; }; }) ];
        users.alice = { name, config, ... }: { home = "/home/${name}"; shell = mkDefault "bash"; };
        users.bob.home = "/home/bob";
      })
    ];
  };
  inner = lib.evalModules { modules = e.config.mods ++ [ { v = 5; } ]; };
in
{
  inherit (e.config) foo etc lazy users;
  inner = inner.config;
  brokenFails = !(builtins.tryEval e.config.broken).success;
}
