# systemd.tmpfiles.rules (NixOS's system/boot/systemd/tmpfiles.nix):
# tmpfiles.d lines that activation applies (types d, D, f, F, L, L+).
{ config, lib, ... }:
{
  options.systemd.tmpfiles.rules = lib.mkOption {
    type = lib.types.listOf lib.types.str;
    default = [ ];
    example = [ "d /tmp 1777 root root 10d" ];
    description = ''
      Rules for creation, deletion and cleaning of volatile and temporary files
      automatically. See
      {manpage}`tmpfiles.d(5)`
      for the exact format. cairn's activation applies the types `d`,
      `D`, `f`, `F`, `L` and `L+`.
    '';
  };
  config.assertions = map (rule: {
    assertion = builtins.elem (builtins.head (lib.strings.splitString " " rule)) [ "d" "D" "f" "F" "L" "L+" ];
    message = "systemd.tmpfiles.rules: `${rule}' has a type cairn does not apply (d, D, f, F, L, L+).";
  }) config.systemd.tmpfiles.rules;
}
