let a = { x = 1; y = 2; }; in let inherit (a) x y; z = x + y; in { inherit z; }
