# time.timeZone (NixOS's config/timezone.nix).
{ config, lib, ... }:
let
  tz = config.time.timeZone;
in
{
  options.time.timeZone = lib.mkOption {
    default = null;
    type = lib.types.nullOr (lib.types.addCheck lib.types.str (s: !lib.strings.hasInfix " " s));
    example = "America/New_York";
    description = ''
      The time zone used when displaying times and dates; a name from the
      tz database. null (the default) leaves the host's zone alone. When
      set, /etc/localtime links to the host's zone file under
      /usr/share/zoneinfo and /etc/timezone names it.
    '';
  };
  config.environment.etc = lib.mkIf (tz != null) {
    localtime.source = "/usr/share/zoneinfo/${tz}";
    timezone.text = tz + "\n";
  };
}
