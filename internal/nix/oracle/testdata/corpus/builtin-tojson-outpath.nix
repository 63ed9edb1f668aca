builtins.toJSON { outPath = "/some/path"; x = 1; }
