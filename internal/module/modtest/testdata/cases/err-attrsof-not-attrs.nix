# Error: attrsof not attrs.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.attrsOf lib.types.int; }; } { a = 3; } ]; }).config
