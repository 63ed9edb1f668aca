{ "if" = 1; "let" = 2; or = 3; }
