# Error: option with nested options.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.int; }; options.a.b = lib.mkOption { }; } ]; }).config
