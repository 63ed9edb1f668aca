[ (./data + "/hello.txt") (baseNameOf (./data + "/x")) (builtins.typeOf (./. + "/data")) ]
