[ (7 / 2) (-7 / 2) (7 / -2) (builtins.div 9 4) ]
