# The platform and the package set given to modules as `pkgs`.
{ lib, config, ... }:
{
  options.nixpkgs.system = lib.mkOption {
    type = lib.types.str;
    default = "x86_64-linux";
    example = "aarch64-linux";
    description = ''
      The platform the system is built for (a Nix system type such as
      `x86_64-linux`); written to the toplevel's generation.json.
    '';
  };
  config._module.args.pkgs = lib.mkDefault (import ../../../pkgs { inherit (config.nixpkgs) system; });
}
