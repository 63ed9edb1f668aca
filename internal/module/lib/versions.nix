# Version strings: components of dotted versions.
{ lib }:
let
  b = builtins;
in
rec {
  splitVersion = b.splitVersion;
  compareVersions = b.compareVersions;
  major = v: b.elemAt (splitVersion v) 0;
  minor = v: b.elemAt (splitVersion v) 1;
  patch = v: b.elemAt (splitVersion v) 2;
  majorMinor = v: b.concatStringsSep "." (lib.lists.take 2 (splitVersion v));
  pad =
    n: version:
    let
      parts = splitVersion version;
      missing = n - b.length parts;
    in
    if missing <= 0 then
      b.concatStringsSep "." (lib.lists.take n parts)
    else
      b.concatStringsSep "." (parts ++ lib.lists.replicate missing "0");
}
