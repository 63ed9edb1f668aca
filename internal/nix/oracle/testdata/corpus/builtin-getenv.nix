[ (builtins.getEnv "CAIRN_ORACLE_VAR") (builtins.getEnv "CAIRN_ORACLE_UNSET") ]
