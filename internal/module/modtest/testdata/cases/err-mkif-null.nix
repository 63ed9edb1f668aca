# Error: mkif null.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.str; }; } { a = lib.mkIf null "x"; } ]; }).config
