# Error: module class.
lib: (lib.evalModules { class = "nixos"; modules = [ { _class = "darwin"; } ]; }).config
