{ lib, ... }: { options.fromB = lib.mkOption { type = lib.types.str; default = "b"; }; config.list = lib.mkBefore [ "b" ]; meta.x = 1; }
