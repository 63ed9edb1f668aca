# Error: listof element.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.listOf lib.types.int; }; } { a = [ "x" ]; } ]; }).config
