[ (builtins.splitVersion "1.2.3") (builtins.splitVersion "2.0pre1-x") (builtins.splitVersion "") ]
