# system.activationScripts (NixOS's system/activation/activation-script.nix):
# snippets run at activation, after /etc, users and tmpfiles, each as its
# own script, in dependency order.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  # Steps NixOS has as activation scripts and cairn's activation does by
  # itself before any script: a dependency on one of them always holds.
  builtinSteps = [
    "specialfs"
    "stdio"
    "binsh"
    "usrbinenv"
    "etc"
    "users"
    "groups"
    "var"
    "hostname"
    "tmpfiles"
  ];

  scriptType = types.either types.str (
    types.submodule {
      options = {
        deps = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "List of dependencies. The script will run after these.";
        };
        text = mkOption {
          type = types.lines;
          description = "The content of the script.";
        };
        supportsDryActivation = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether this activation script supports being dry-activated
            (cairn's dry-activate runs no script).
          '';
        };
      };
    }
  );

  scripts = lib.attrsets.mapAttrs (
    name: s:
    if builtins.isString s then
      {
        text = s;
        deps = [ ];
      }
    else
      s
  ) config.system.activationScripts;

  names = builtins.attrNames scripts;
  depsOf = name: builtins.filter (d: !(builtins.elem d builtinSteps)) scripts.${name}.deps;

  # Depth first, in name order: each script after its dependencies, ties
  # by name (a cycle is reported by the assertion below).
  ordered =
    let
      visit =
        acc: name:
        if builtins.elem name acc.done || builtins.elem name acc.path then
          acc
        else
          let
            inner = builtins.foldl' visit (acc // { path = acc.path ++ [ name ]; }) (
              builtins.filter (d: scripts ? ${d}) (depsOf name)
            );
          in
          inner
          // {
            path = acc.path;
            done = inner.done ++ [ name ];
          };
    in
    (builtins.foldl' visit {
      done = [ ];
      path = [ ];
    } names).done;

  sorted = lib.lists.toposort (a: b: builtins.elem a (depsOf b)) names;
in
{
  options.system.activationScripts = mkOption {
    default = { };
    example = lib.options.literalExpression ''
      { stdio.text =
        '''
          # Needed by some programs.
          ln -sfn /proc/self/fd /dev/fd
          ln -sfn /proc/self/fd/0 /dev/stdin
          ln -sfn /proc/self/fd/1 /dev/stdout
          ln -sfn /proc/self/fd/2 /dev/stderr
        ''';
      }
    '';
    description = ''
      A set of shell script fragments that are executed when a NixOS
      system configuration is activated.  Examples are updating
      /etc, creating accounts, and so on.  Since these are executed
      every time you boot the system or run
      {command}`nixos-rebuild`, it's important that they are
      idempotent and fast.

      In cairn each fragment is its own script, run with /bin/sh after
      /etc, the users and tmpfiles are in place, with `systemConfig` and
      `CAIRN_ROOT` in its environment.
    '';
    type = types.attrsOf scriptType;
  };

  config.assertions =
    lib.lists.concatMap (
      name:
      map (d: {
        assertion = scripts ? ${d};
        message = "system.activationScripts.${name} depends on `${d}', which is not an activation script.";
      }) (depsOf name)
    ) names
    ++ [
      {
        assertion = sorted ? result;
        message = "system.activationScripts: the dependencies form a cycle: ${toString (sorted.cycle or [ ])}.";
      }
    ];

  config.system.build.activationScripts = map (name: {
    inherit name;
    deps = depsOf name;
    script = "${pkgs.writeShellScript "activation-${name}" scripts.${name}.text}";
  }) ordered;
}
