# Error: either mixed.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.either lib.types.int lib.types.str; }; } { a = 1; } { a = "x"; } ]; }).config
