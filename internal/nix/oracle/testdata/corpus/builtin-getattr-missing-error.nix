builtins.getAttr "nope" { a = 1; }
