# Versions and revisions recorded in the toplevel (NixOS's misc/version.nix).
{ lib, ... }:
{
  options.system = {
    stateVersion = lib.mkOption {
      type = lib.types.str;
      default = lib.trivial.release;
      defaultText = lib.options.literalExpression "lib.trivial.release";
      description = ''
        The release with which stateful data on this system (databases,
        files under /var) was first made. Set it once, when the system is
        installed, and leave it: modules use it to keep the formats of
        old data.
      '';
    };
    configurationRevision = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = ''
        The git revision of the configuration, recorded in the toplevel's
        generation.json and shown by `cairn generations`. A revision
        ending in `-dirty` marks uncommitted changes.
      '';
    };
    cairnVersion = lib.mkOption {
      type = lib.types.str;
      default = "unknown";
      internal = true;
      description = ''
        The version of cairn that builds the system, written to the
        toplevel's cairn-version; set by the command that builds.
      '';
    };
  };
}
