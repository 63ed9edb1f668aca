let s = { v = [ 1 2 ]; }; in { a = s; b = [ s s ]; c = s.v; }
