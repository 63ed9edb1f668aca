# environment.systemPackages and the system profile `sw`
# (NixOS's config/system-path.nix).
{ config, lib, pkgs, ... }:
{
  options.environment = {
    systemPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
      example = lib.options.literalExpression "[ pkgs.hello ]";
      description = ''
        The packages installed in the system profile,
        /run/current-system/sw (their bin folders are in the PATH of
        services).
      '';
    };
    pathsToLink = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "/" ];
      example = [ "/bin" "/share" ];
      description = "The folders of the packages linked into the system profile.";
    };
  };
  options.system.path = lib.mkOption {
    internal = true;
    description = "The system profile: the union of environment.systemPackages.";
  };
  config.system.path = pkgs.buildEnv {
    name = "system-path";
    paths = config.environment.systemPackages;
    inherit (config.environment) pathsToLink;
  };
}
