# Error: nonemptylistof empty.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.nonEmptyListOf lib.types.int; }; } { a = [ ]; } ]; }).config
