[ (builtins.map == builtins.map) ([ 1 ] == [ 1.0 ]) ]
