# Questions about paths on disk (lib.filesystem).
{ lib }:
let
  b = builtins;
in
rec {
  # "directory", "regular", "symlink" or "unknown".
  pathType =
    path:
    if b ? readFileType then
      b.readFileType path
    else if dirOf path == path || toString path == "/" then
      "directory"
    else
      (b.readDir (dirOf path)).${baseNameOf path};
  pathIsDirectory = path: b.pathExists path && pathType path == "directory";
  pathIsRegularFile = path: b.pathExists path && pathType path == "regular";
  inherit (b) pathExists readDir readFile baseNameOf dirOf isPath;
}
