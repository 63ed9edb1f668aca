# Error: conflicting mkmerge.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.int; }; } { a = lib.mkMerge [ 1 2 ]; } ]; }).config
