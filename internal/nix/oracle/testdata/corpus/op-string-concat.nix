"foo" + "bar" + toString 42
