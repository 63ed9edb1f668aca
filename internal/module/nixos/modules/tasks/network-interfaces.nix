# networking.hostName (NixOS's tasks/network-interfaces.nix).
{ config, lib, ... }:
{
  options.networking.hostName = lib.mkOption {
    default = "";
    example = "web";
    type = lib.types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
    description = ''
      The name of the machine. When set, cairn writes it to
      /etc/hostname; empty (the default) leaves the host's name alone,
      since cairn may manage a machine whose name is set elsewhere.
    '';
  };
  config.environment.etc.hostname = lib.mkIf (config.networking.hostName != "") {
    text = config.networking.hostName + "\n";
  };
}
