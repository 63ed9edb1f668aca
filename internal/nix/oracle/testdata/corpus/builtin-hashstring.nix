[ (builtins.hashString "md5" "abc") (builtins.hashString "sha1" "abc") (builtins.hashString "sha256" "abc") (builtins.hashString "sha512" "") ]
