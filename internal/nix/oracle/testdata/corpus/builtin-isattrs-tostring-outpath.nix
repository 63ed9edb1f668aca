[ (toString { outPath = "p"; }) ]
