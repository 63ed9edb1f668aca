[ (baseNameOf "/a/b/c.nix") (baseNameOf "/a/b/") (baseNameOf "x") (dirOf "/a/b/c") (dirOf "a") (dirOf "/a") (dirOf "/") (baseNameOf ./data/hello.txt) (dirOf ./data/hello.txt == ./data) ]
