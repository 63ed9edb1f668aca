[ (builtins.parseDrvName "hello-2.10") (builtins.parseDrvName "nix-unstable-2.4pre") (builtins.parseDrvName "noversion") ]
