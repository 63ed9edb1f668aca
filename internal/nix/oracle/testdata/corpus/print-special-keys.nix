{ "foo.bar" = 1; "with space" = 2; "x\"y" = 3; "${"in"}herit" = 4; a1 = 5; "1a" = 6; "a-b_c'" = 7; }
