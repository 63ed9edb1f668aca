# Error: a module argument that neither specialArgs nor _module.args provide.
lib: (lib.evalModules { modules = [ ({ foo, ... }: { options.x = lib.mkOption { default = foo; }; }) ]; }).config.x
