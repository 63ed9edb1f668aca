let
  mkService = name: { port ? 80, enable ? true }: { inherit name port enable; url = "http://${name}:${toString port}"; };
  services = { web = mkService "web" { }; db = mkService "db" { port = 5432; }; };
in {
  enabled = builtins.attrNames (builtins.removeAttrs services [ ]);
  urls = builtins.mapAttrs (n: s: s.url) services;
  total = builtins.foldl' (a: s: a + s.port) 0 (builtins.attrValues services);
}
