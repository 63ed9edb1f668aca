{ a = [ 1 (throw "inner") ]; }
