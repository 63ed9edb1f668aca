# Error: submodule without options.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.submodule { }; }; } { a.y = 1; } ]; }).config
