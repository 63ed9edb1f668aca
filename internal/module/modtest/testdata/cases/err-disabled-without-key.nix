# Error: disabled without key.
lib: (lib.evalModules { modules = [ { disabledModules = [ { } ]; } ]; }).config
