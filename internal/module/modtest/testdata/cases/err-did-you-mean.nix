# Error: did you mean.
lib: (lib.evalModules { modules = [ { options.services.nginx.enable = lib.mkEnableOption "x"; options.services.nginx.enableReload = lib.mkEnableOption "y"; } { services.nginx.enabl = true; services.nginy = {}; } ]; }).config
