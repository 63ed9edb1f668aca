let s = { a.b = 1; }; in [ (s.a.b or 2) (s.a.c or 3) (s.x.y or 4) (s."a".b) ]
