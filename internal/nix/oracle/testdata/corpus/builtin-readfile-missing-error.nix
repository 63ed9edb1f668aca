builtins.readFile ./data/does-not-exist
