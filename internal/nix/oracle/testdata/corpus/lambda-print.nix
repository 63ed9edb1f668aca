[ (x: x) builtins.map (builtins.map (x: x)) ({ a }: a) ]
