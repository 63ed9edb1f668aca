# Error: submodule config only.
lib: (lib.evalModules { modules = [ { options.s = lib.mkOption { type = lib.types.submodule { config.x = 1; }; default = {}; }; } ]; }).config
