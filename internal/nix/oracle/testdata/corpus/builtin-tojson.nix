builtins.toJSON { a = [ 1 2.5 "s\n\"q" null true ]; b = { c = { }; }; d = [ ]; e = "\u0001"; }
