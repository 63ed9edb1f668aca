# Error: not a module.
lib: (lib.evalModules { modules = [ { _type = "flake"; } ]; }).config
