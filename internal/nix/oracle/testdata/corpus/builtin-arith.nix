[ (builtins.add 1 2) (builtins.sub 5 7) (builtins.mul 3 4) (builtins.div 10 3) (builtins.add 1.5 1) (builtins.lessThan 1 2) ]
