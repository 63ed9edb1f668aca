# Error: config without options.
lib: (lib.evalModules { modules = [ { foo = 1; } ]; }).config
