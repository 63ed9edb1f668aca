# Error: submodule unknown option.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.submodule { options.x = lib.mkOption { type = lib.types.int; }; }; }; } { a.y = 1; } ]; }).config
