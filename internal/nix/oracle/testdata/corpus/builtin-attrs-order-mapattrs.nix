builtins.attrNames (builtins.mapAttrs (n: v: v) { z = 1; y = 2; x = 3; })
