# Error: uniq twice.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.uniq lib.types.int; }; } { a = 1; } { a = 1; } ]; }).config
