# Error: nested import list.
lib: (lib.evalModules { modules = [ { imports = [ [ { } ] ]; } ]; }).config
