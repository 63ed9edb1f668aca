# Error: stray top level attr.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.int; }; config.a = 1; b = 2; } ]; }).config
