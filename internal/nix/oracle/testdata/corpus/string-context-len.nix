builtins.stringLength "${builtins.toFile "ctx" "y"}"
