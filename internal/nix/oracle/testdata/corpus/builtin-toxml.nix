builtins.toXML { a = 1; b = [ "s" true null 1.5 ]; c = x: x; d = { e = { }; }; f = ({ p, q ? 1 }: p); }
