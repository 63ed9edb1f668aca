[ (builtins.split "(a)|b" "xaybz") (builtins.split "," "a,b,,c") (builtins.split "([0-9]+)" "abc") (builtins.split "(x)?y" "ay") ]
