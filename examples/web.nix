# A small host: a name, an /etc file, a system user, a service that logs a
# greeting every ten seconds (a /bin/sh loop, no HTTP), and a timer that
# runs a oneshot job every minute. Build it and switch to it under a
# scratch root, with cairn's own supervisor (as root):
#
#   cairn build --root /tmp/demo -o result -E '(import <cairn/nixos> { configuration = ./examples/web.nix; }).toplevel'
#   cairn supervise --root /tmp/demo --background
#   cairn switch --root /tmp/demo --toplevel /tmp/demo$(readlink result)
#   cairn status --root /tmp/demo; cairn logs --root /tmp/demo greeter.service
#
# examples/web-v2.nix changes the greeting: switch to it, then
# `cairn rollback --root /tmp/demo`.
{ config, pkgs, lib, ... }:
{
  networking.hostName = "web";
  system.stateVersion = "26.11";

  environment.etc."greeter/greeting".text = "Hello from cairn";

  users.users.greeter = {
    isSystemUser = true;
    group = "greeter";
    description = "The greeter service";
  };
  users.groups.greeter = { };

  systemd.tmpfiles.rules = [ "d /var/lib/greeter 0755 greeter greeter -" ];

  systemd.services.greeter = {
    description = "Logs a greeting every ten seconds";
    wantedBy = [ "multi-user.target" ];
    # The greeting's store file is the script's argument (so that it is
    # found under a --root too); a new greeting changes the unit, which
    # restarts it.
    scriptArgs = "${config.environment.etc."greeter/greeting".source}";
    script = ''
      while true; do
        echo "$(cat "$1") ($(date -u +%H:%M:%S))"
        sleep 10
      done
    '';
    serviceConfig = {
      User = "greeter";
      Restart = "always";
      RestartSec = 2;
    };
  };

  systemd.services.heartbeat = {
    description = "Counts the minutes";
    script = ''
      echo "heartbeat at $(date -u +%H:%M)"
    '';
    serviceConfig.Type = "oneshot";
    startAt = "minutely";
  };
}
