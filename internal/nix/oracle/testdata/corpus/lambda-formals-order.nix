builtins.attrNames (builtins.functionArgs ({ zz, aa ? 1, mm }: 0))
