# examples/web.nix with one change, a new greeting: switching to it
# restarts greeter.service (its unit and restart trigger change) and
# leaves the rest alone; `cairn rollback` brings the old greeting back.
#
#   cairn build --root /tmp/demo -o result-v2 -E '(import <cairn/nixos> { configuration = ./examples/web-v2.nix; }).toplevel'
#   cairn switch --root /tmp/demo --toplevel /tmp/demo$(readlink result-v2)
{ lib, ... }:
{
  imports = [ ./web.nix ];
  environment.etc."greeter/greeting".text = lib.mkForce "Hello again, from generation two";
}
