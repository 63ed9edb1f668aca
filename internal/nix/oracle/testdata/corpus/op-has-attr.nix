let s = { a.b.c = 1; x = null; }; in [ (s ? a) (s ? a.b.c) (s ? a.b.d) (s ? x) (s ? "a") (1 ? a) ]
