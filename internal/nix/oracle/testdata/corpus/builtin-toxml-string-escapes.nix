builtins.toXML [ "<a & \"b\">" "\n" ]
