let v = { a = [ 1 "x" { b = null; } ]; n = -5; }; in builtins.fromJSON (builtins.toJSON v) == v
