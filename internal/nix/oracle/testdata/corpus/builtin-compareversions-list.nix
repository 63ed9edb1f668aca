map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) [ [ "1.2" "1.10" ] [ "1.2a" "1.2b" ] [ "1" "1.0" ] [ "2.0-rc1" "2.0" ] ]
