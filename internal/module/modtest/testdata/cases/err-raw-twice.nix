# Error: raw twice.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.raw; }; } { a = 1; } { a = 1; } ]; }).config
