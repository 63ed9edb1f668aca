{ list = [ "c" ]; }
