# system.build.toplevel: the system as one store path, in the layout of
# docs/design/generations.md (generation.json, etc/, units/, sw,
# cairn-version). Evaluating it checks the assertions and prints the
# warnings, as NixOS's top-level.nix does.
{ config, options, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  etc = builtins.filter (e: e.enable) (builtins.attrValues config.environment.etc);
  stripPlus = s: if lib.strings.hasPrefix "+" s then lib.strings.removePrefix "+" s else s;

  rev = config.system.configurationRevision;

  units = config.systemd.units;
  unitNames = builtins.attrNames units;

  generation = {
    version = 1;
    inherit (config.nixpkgs) system;
    inherit (config.networking) hostName;
    timeZone = if config.time.timeZone == null then "" else config.time.timeZone;
    inherit (config.system) stateVersion;
    configurationRevision =
      if rev == null then
        null
      else
        {
          rev = lib.strings.removeSuffix "-dirty" rev;
          dirty = lib.strings.hasSuffix "-dirty" rev;
        };
    etc = map (e: {
      inherit (e) target mode;
      source = "${e.source}";
      user = stripPlus e.user;
      group = stripPlus e.group;
    }) etc;
    inherit (config.system.build.users) users groups mutableUsers;
    units = map (name: {
      inherit name;
      inherit (units.${name})
        restartIfChanged
        reloadIfChanged
        stopIfChanged
        triggers
        reloadTriggers
        ;
    }) unitNames;
    wantedUnits = builtins.filter (
      name: lib.lists.any (t: lib.strings.hasSuffix ".target" t) units.${name}.wantedBy
    ) unitNames;
    tmpfiles = config.systemd.tmpfiles.rules;
    activationScripts = config.system.build.activationScripts;
  };

  generationJSON = builtins.toJSON generation + "\n";

  toplevel = pkgs.cairnFiles {
    name = "cairn-system-${if config.networking.hostName == "" then "unnamed" else config.networking.hostName}";
    entries =
      [
        {
          type = "file";
          path = "generation.json";
          text = generationJSON;
        }
        {
          type = "file";
          path = "cairn-version";
          text = config.system.cairnVersion + "\n";
        }
        {
          type = "directory";
          path = "etc";
        }
        {
          type = "directory";
          path = "units";
        }
      ]
      ++ map (e: {
        type = "symlink";
        path = "etc/${e.target}";
        target = "${e.source}";
      }) (lib.lists.sort (a: b: a.target < b.target) etc)
      ++ map (name: {
        type = "file";
        path = "units/${name}";
        inherit (units.${name}) text;
      }) unitNames
      ++ [
        {
          type = "symlink";
          path = "sw";
          target = "${config.system.path}";
        }
        # The activation program, as NixOS's bin/switch-to-configuration:
        # cairn activates a generation from its generation.json.
        {
          type = "directory";
          path = "bin";
        }
        {
          type = "file";
          path = "bin/switch-to-configuration";
          executable = true;
          text = switchToConfiguration;
        }
      ];
  };

  switchToConfiguration = ''
    #!/bin/sh
    # switch-to-configuration [switch|boot|test|dry-activate] [cairn's flags]:
    # activates the generation this file belongs to, as NixOS's script of
    # the same name does, through cairn (which reads ../generation.json).
    set -e
    action="''${1:-switch}"
    [ $# -gt 0 ] && shift
    case "$action" in
      switch|boot|test|dry-activate) ;;
      *) echo "usage: $0 [switch|boot|test|dry-activate] [--root DIR]" >&2; exit 2 ;;
    esac
    exec cairn "$action" --toplevel "$(dirname "$(dirname "$(readlink -f "$0")")")" "$@"
  '';
in
{
  options.system.build = mkOption {
    internal = true;
    default = { };
    type = types.lazyAttrsOf types.unspecified;
    description = ''
      Attribute set of derivations used to set up the system.
    '';
  };
  options.system.generation = mkOption {
    internal = true;
    readOnly = true;
    description = ''
      The content of the toplevel's generation.json, as a Nix value.
    '';
  };

  config.system.generation = generation;
  config.system.build.generationJSON = generationJSON;
  config.system.build.toplevel = lib.asserts.checkConfigAssertWarn { inherit options config; } toplevel;
}
