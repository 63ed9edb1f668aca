[ (true -> false -> false) (false || true -> false) (!true || true) ]
