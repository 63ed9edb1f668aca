# Error: package not store path.
lib: (lib.evalModules { modules = [ { options.a = lib.mkOption { type = lib.types.package; }; } { a = "notapkg"; } ]; }).config
