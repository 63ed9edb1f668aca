# Error: define option tree.
lib: (lib.evalModules { modules = [ { options.a.b = lib.mkOption { type = lib.types.int; }; } { a = 5; } ]; }).config
