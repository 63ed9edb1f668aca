(import ./data/dir/lib.nix).a
