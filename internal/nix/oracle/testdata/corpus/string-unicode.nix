[ "héllo" "日本" (builtins.stringLength "héllo") (builtins.substring 1 2 "héllo") ]
