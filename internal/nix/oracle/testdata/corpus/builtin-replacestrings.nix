[ (builtins.replaceStrings [ "a" "b" ] [ "A" "B" ] "aabbcc") (builtins.replaceStrings [ "" ] [ "-" ] "abc") (builtins.replaceStrings [ "oo" "o" ] [ "0" "1" ] "foooo") ]
