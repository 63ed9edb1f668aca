let or = 1; in { a = or; }
