{ config, lib, ... }: { imports = [ ./b.nix ]; options.fromA = lib.mkOption { type = lib.types.str; default = "a:${config.fromB}"; }; config.list = [ "a" ]; }
