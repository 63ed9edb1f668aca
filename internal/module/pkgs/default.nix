# cairn's package set, passed to modules as `pkgs`: `<cairn/pkgs>`.
#
# It holds the trivial builders (trivial-builders.nix) and nothing else
# yet: packages from a distribution come later. `pkgs.NAME` for another
# NAME fails with Nix's "attribute 'NAME' missing" at the place it is used.
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
in
trivial
// {
  inherit lib system;
  # The platform, in the shape modules read it (pkgs.stdenv.hostPlatform.system).
  stdenv.hostPlatform.system = system;
  stdenv.buildPlatform.system = system;
}
