let s = "a"; in [ s s ]
