# Error: bare type as option.
lib: (lib.evalModules { modules = [ { options.a = lib.types.int; } ]; }).config
