let x = 1; y = 2; s = { z = 3; w = 4; }; in { inherit x y; inherit (s) z w; }
