# Error: anything mixed types.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.anything; }; } { a = 1; } { a = "x"; } ]; }).config
