# Evaluates a system configuration with cairn's modules, as
# <nixpkgs/nixos> does: `import <cairn/nixos> { configuration = ./c.nix; }`
# gives { config, options, pkgs, toplevel }, where toplevel is the derivation
# of the system (docs/design/toplevel.md).
{
  configuration,
  system ? "x86_64-linux",
  # cairn's package set by default (<cairn/pkgs>).
  pkgs ? null,
  # Written to the toplevel's cairn-version; the command that builds
  # passes its own version.
  cairnVersion ? null,
  # Extra modules, given by the command that builds (for instance the
  # configuration's git revision).
  extraModules ? [ ],
}:
let
  lib = import ../lib;
  eval = lib.evalModules {
    modules =
      [
        configuration
        ./modules/module-list.nix
        {
          _file = toString ./default.nix;
          nixpkgs.system = lib.mkDefault system;
        }
      ]
      ++ lib.lists.optional (pkgs != null) {
        _file = toString ./default.nix;
        _module.args.pkgs = pkgs;
      }
      ++ lib.lists.optional (cairnVersion != null) {
        _file = toString ./default.nix;
        system.cairnVersion = cairnVersion;
      }
      ++ extraModules;
  };
in
{
  inherit (eval) config options;
  inherit (eval._module.args) pkgs;
  inherit (eval.config.system.build) toplevel;
}
