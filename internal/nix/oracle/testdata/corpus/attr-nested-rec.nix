rec { a = { b = c; }; c = 2; }
