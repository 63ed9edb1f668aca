# systemd.services.<name>.confinement: run a service in a root folder of
# its own, as NixOS's systemd-confinement does, made for Debian packages:
# the root is the packages' closure laid out as a Debian system (merged
# /usr, links into the store; builtin:cairn-files "fhs"), with the store,
# /etc and the unit's own folders (StateDirectory=, LogsDirectory=,
# CacheDirectory=) bound in. The unit file says it with systemd's keys
# (RootDirectory=, BindReadOnlyPaths=, MountAPIVFS=, PrivateTmp=), which
# systemd applies itself and cairn's supervisor applies through `cairn
# __confine` (docs/design/packages-runtime.md).
{ lib, pkgs, ... }:
let
  inherit (lib) mkOption types;

  toList = v: if v == null then [ ] else if builtins.isList v then v else lib.strings.splitString " " (toString v);

  # The target of one BindPaths= word: [-]SRC[:DST[:OPTIONS]].
  bindTarget =
    w:
    let
      parts = lib.strings.splitString ":" (lib.strings.removePrefix "-" w);
    in
    if builtins.length parts > 1 && builtins.elemAt parts 1 != "" then builtins.elemAt parts 1 else builtins.head parts;

  confinementOptions =
    { name, config, ... }:
    let
      c = config.confinement;
      sc = config.serviceConfig;
      dirs = prefix: key: map (d: "${prefix}/${d}") (builtins.filter (d: d != "") (toList (sc.${key} or null)));
      binds = builtins.filter (w: w != "") (toList (sc.BindPaths or null) ++ toList (sc.BindReadOnlyPaths or null));
      mountPoints = lib.lists.unique (
        [
          "nix/store"
          "etc"
          "proc"
          "sys"
          "dev"
          "run"
          "tmp"
          "var/tmp"
        ]
        ++ map (p: lib.strings.removePrefix "/" p) (
          dirs "/var/lib" "StateDirectory"
          ++ dirs "/var/log" "LogsDirectory"
          ++ dirs "/var/cache" "CacheDirectory"
          ++ map bindTarget binds
        )
      );
      packages = c.packages ++ lib.lists.optional (c.binSh != null) c.binSh;
      closure = lib.lists.unique (lib.lists.concatMap (p: p.closure or [ p ]) packages);
      root = pkgs.cairnFiles {
        name = "unit-${lib.strings.replaceStrings [ "@" ] [ "_" ] name}-root";
        entries = [
          {
            type = "fhs";
            path = "";
            sources = closure;
            inherit mountPoints;
          }
        ];
      };
    in
    {
      options.confinement = {
        enable = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Run the service in a root folder of its own (RootDirectory=)
            holding only `confinement.packages` and their dependency
            closure, laid out as a Debian system (/usr, /bin, /lib*), with
            the store, /etc (read-only) and the service's StateDirectory=,
            LogsDirectory= and CacheDirectory= (writable) bound in. This
            is how unmodified Debian programs run from the store.
          '';
        };
        packages = mkOption {
          type = types.listOf types.package;
          default = [ ];
          example = lib.options.literalExpression "[ pkgs.nginx ]";
          description = "Packages whose closure makes the service's root.";
        };
        binSh = mkOption {
          type = types.nullOr types.package;
          default = pkgs.dash or null;
          defaultText = lib.options.literalExpression "pkgs.dash";
          description = ''
            The package giving /bin/sh in the root, which the service's
            `script`, `preStart` and `postStart` need; null for none.
          '';
        };
        mode = mkOption {
          type = types.enum [
            "full-apivfs"
            "chroot-only"
          ];
          default = "full-apivfs";
          description = ''
            `full-apivfs` mounts /proc, /sys, /dev and a fresh /run in the
            root (MountAPIVFS=); `chroot-only` does not.
          '';
        };
        etc = mkOption {
          type = types.bool;
          default = true;
          description = "Bind the system's /etc (the generation's files, users and groups) read-only.";
        };
      };
      config = lib.mkIf c.enable {
        serviceConfig = {
          # A list, so that merging serviceConfig (which forces each
          # definition to see its priority) does not build the root,
          # which reads serviceConfig for its mount points.
          RootDirectory = [ "${root}" ];
          BindReadOnlyPaths = [ builtins.storeDir ] ++ lib.lists.optional c.etc "/etc";
          MountAPIVFS = c.mode == "full-apivfs";
          PrivateTmp = true;
          # Everything read-only but the unit's own folders: a service
          # running as root must not write into its root's store path.
          ProtectSystem = "strict";
        };
      };
    };
in
{
  options.systemd.services = mkOption {
    type = types.attrsOf (types.submodule confinementOptions);
  };
}
