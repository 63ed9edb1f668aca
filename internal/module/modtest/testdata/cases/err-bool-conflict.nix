# Error: bool conflict.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.bool; }; } { a = true; } { a = false; } ]; }).config
