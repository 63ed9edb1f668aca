[ (builtins.elem 2 [ 1 2 3 ]) (builtins.elem 5 [ 1 2 ]) (builtins.elemAt [ "a" "b" ] 1) (builtins.length [ 1 2 3 ]) (builtins.head [ 1 2 ]) (builtins.tail [ 1 2 3 ]) ]
