[ (builtins.ceil 1.5) (builtins.floor (-1.5)) (builtins.isFloat (1 + 1.0)) (builtins.isInt (2 * 3)) ]
