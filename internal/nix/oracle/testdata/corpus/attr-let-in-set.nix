let a = 1; in { inherit a; b = let c = a + 1; in c; }
