builtins.fromJSON ''{ "a": [1, 2.5, "s", null, true, false, {"b": {}}], "c": -3, "d": 1e3, "u": "\u00e9\n" }''
