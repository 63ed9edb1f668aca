# environment.etc: the files of /etc (NixOS's system/etc/etc.nix). The
# toplevel's etc/ folder links each entry's target to its source, and
# generation.json lists them with their modes and owners.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.environment.etc = mkOption {
    default = { };
    example = lib.options.literalExpression ''
      { example-configuration-file =
          { source = "/nix/store/.../etc/dir/file.conf.example";
            mode = "0440";
          };
        "default/useradd".text = "GROUP=100 ...";
      }
    '';
    description = ''
      Set of files that have to be linked in {file}`/etc`.
    '';
    type = types.attrsOf (
      types.submodule (
        { name, config, options, ... }:
        {
          options = {
            enable = mkOption {
              type = types.bool;
              default = true;
              description = ''
                Whether this /etc file should be generated.  This
                option allows specific /etc files to be disabled.
              '';
            };
            target = mkOption {
              type = types.str;
              description = ''
                Name of symlink (relative to
                {file}`/etc`).  Defaults to the attribute
                name.
              '';
            };
            text = mkOption {
              default = null;
              type = types.nullOr types.lines;
              description = "Text of the file.";
            };
            source = mkOption {
              type = types.path;
              description = "Path of the source file.";
            };
            mode = mkOption {
              type = types.str;
              default = "symlink";
              example = "0600";
              description = ''
                If set to something else than `symlink`,
                the file is copied instead of symlinked, with the given
                file mode.
              '';
            };
            uid = mkOption {
              default = 0;
              type = types.int;
              description = ''
                UID of created file. Only takes effect when the file is
                copied (that is, the mode is not 'symlink').
              '';
            };
            gid = mkOption {
              default = 0;
              type = types.int;
              description = ''
                GID of created file. Only takes effect when the file is
                copied (that is, the mode is not 'symlink').
              '';
            };
            user = mkOption {
              default = "+${toString config.uid}";
              defaultText = lib.options.literalExpression ''"+''${toString config.uid}"'';
              type = types.str;
              description = ''
                User name of file owner.

                Only takes effect when the file is copied (that is, the
                mode is not `symlink`).
                It takes precedence over `uid`.
              '';
            };
            group = mkOption {
              default = "+${toString config.gid}";
              defaultText = lib.options.literalExpression ''"+''${toString config.gid}"'';
              type = types.str;
              description = ''
                Group name of file owner.

                Only takes effect when the file is copied (that is, the
                mode is not `symlink`).
                It takes precedence over `gid`.
              '';
            };
          };
          config = {
            target = lib.mkDefault name;
            source = lib.mkIf (config.text != null) (
              let
                name' = "etc-" + lib.strings.replaceStrings [ "/" ] [ "-" ] name;
              in
              lib.mkDerivedConfig options.text (pkgs.writeText name')
            );
          };
        }
      )
    );
  };

  config.assertions =
    let
      enabled = lib.attrsets.filterAttrs (_: e: e.enable) config.environment.etc;
      byTarget = builtins.groupBy (name: enabled.${name}.target) (builtins.attrNames enabled);
      clean = t: builtins.match "([^/]+/)*[^/]+" t != null && !builtins.elem "." (lib.strings.splitString "/" t) && !builtins.elem ".." (lib.strings.splitString "/" t);
    in
    lib.lists.concatLists (
      lib.attrsets.mapAttrsToList (name: e: [
        {
          assertion = e.mode == "symlink" || builtins.match "[0-7]{3,4}" e.mode != null;
          message = "environment.etc.\"${name}\".mode is `${e.mode}': give `symlink' or an octal mode such as 0644.";
        }
        {
          assertion = clean e.target && e.target != "static" && !lib.strings.hasPrefix ".cairn" e.target;
          message = "environment.etc.\"${name}\".target is `${e.target}': give a clean path relative to /etc, other than `static' and `.cairn*'.";
        }
      ]) enabled
    )
    ++ lib.attrsets.mapAttrsToList (target: names: {
      assertion = builtins.length names == 1;
      message = "environment.etc: ${lib.strings.concatMapStringsSep " and " (n: "\"${n}\"") names} have the same target `${target}'.";
    }) byTarget;
}
