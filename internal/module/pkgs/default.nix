# cairn's package set, passed to modules as `pkgs`: `<cairn/pkgs>`.
#
# It holds the trivial builders (trivial-builders.nix) and the Debian
# packages of the channels pinned in cairn.lock beside the configuration
# (<cairn/debian>: `pkgs.nginx`, `pkgs."postgresql-15"`, the alias
# `pkgs.postgresql_15`; `pkgs.channels.NAME.PKG` for one channel). A name
# no channel has fails with "attribute 'NAME' missing" at the place it is
# used, with the nearest names.
#
# Every builder makes a real derivation. Those that only arrange files
# (writeTextFile and its relatives, symlinkJoin, buildEnv) use cairn's
# builtin builder `builtin:cairn-files` (docs/design/toplevel.md);
# runCommand runs its script with /bin/sh, the one program of the sandbox.
{
  system ? "x86_64-linux",
}:
let
  lib = import ../lib;
  trivial = import ./trivial-builders.nix { inherit lib system; };
  debian = import ../debian { inherit system; };
in
debian.packages
// trivial
// {
  inherit lib system;
  inherit (debian) channels;
  # The platform, in the shape modules read it (pkgs.stdenv.hostPlatform.system).
  stdenv.hostPlatform.system = system;
  stdenv.buildPlatform.system = system;
}
