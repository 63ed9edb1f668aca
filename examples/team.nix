# A shared machine for a small team: declared accounts with SSH keys and
# a common group, a shared folder made at activation, and a nightly job.
# With users.mutableUsers = false, accounts not declared here are
# removed at switch, as on NixOS. Build and switch as in web.nix:
#
#   cairn build --root /tmp/team -o result -E '(import <cairn/nixos> { configuration = ./examples/team.nix; }).toplevel'
#   cairn switch --root /tmp/team --toplevel /tmp/team$(readlink result)
{ config, lib, ... }:
let
  members = {
    ada = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGExampleKeyForAdaxxxxxxxxxxxxxxxxxxxxxx ada@laptop";
    linus = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGExampleKeyForLinusxxxxxxxxxxxxxxxxxxxx linus@desk";
  };
in
{
  networking.hostName = "team";
  time.timeZone = "Europe/Berlin";
  users.mutableUsers = false;

  users.groups.team = { };
  users.users = lib.attrsets.mapAttrs (name: key: {
    isNormalUser = true;
    extraGroups = [ "team" ];
    openssh.authorizedKeys.keys = [ key ];
  }) members;

  environment.etc."motd".text = ''
    Welcome to ${config.networking.hostName}. Team: ${lib.strings.concatStringsSep ", " (builtins.attrNames members)}.
    Shared files are in /srv/team.
  '';

  systemd.tmpfiles.rules = [ "d /srv/team 2770 root team -" ];

  system.activationScripts.team-readme = {
    deps = [ "users" ];
    text = ''
      [ -e "$CAIRN_ROOT/srv/team/README" ] || echo "Put shared files here." > "$CAIRN_ROOT/srv/team/README"
    '';
  };

  systemd.services.team-usage = {
    description = "Records the size of the shared folder";
    serviceConfig.Type = "oneshot";
    script = ''
      du -sh /srv/team
    '';
    startAt = "*-*-* 03:00:00";
  };
}
