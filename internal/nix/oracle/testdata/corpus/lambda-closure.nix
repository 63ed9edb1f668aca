let mk = n: { get = _: n; }; in (mk 5).get null
