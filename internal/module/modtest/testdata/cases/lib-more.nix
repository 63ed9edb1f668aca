# More lib helpers: stringsWithDeps (activation-script fragments), meta
# (getExe, priorities, names), escapeC, splitStringBy, toCamelCase,
# generators.toGitINI and toLua, and lib.extend.
lib:
let
  l2 = lib.extend (final: prev: { answer = 42; double = x: 2 * final.answer + x; });
  drv = { type = "derivation"; name = "hello-2.12"; outPath = "/nix/store/00000000000000000000000000000000-hello-2.12"; meta.mainProgram = "hello"; };
  snippets = {
    users = lib.stringAfter [ "etc" ] "setup users";
    etc = lib.noDepEntry "setup etc";
    groups = lib.fullDepEntry "setup groups" [ "users" "etc" ];
    all = lib.packEntry [ "groups" ];
  };
in
{
  closure = lib.textClosureMap (s: "# ${s}") snippets [ "all" "etc" "users" ];
  closureList = lib.textClosureList snippets [ "groups" ];
  exe = [ (lib.getExe drv) (lib.getExe' drv "hi") ];
  prio = [ (lib.lowPrio drv).meta (lib.hiPrio drv).meta.priority (lib.setPrio 5 { }).meta ];
  names = [ (lib.appendToName "wrapped" drv).name (lib.setName "x" { }).name (lib.updateName (n: n + "!") { name = "y"; }).name ];
  escapeC = lib.strings.escapeC [ " " "\n" "\t" "'" ] "a b\nc\td'e";
  splitBy = [
    (lib.strings.splitStringBy (p: c: c == ".") true "a.b.c")
    (lib.strings.splitStringBy (p: c: c == ".") false "a.b..c")
    (lib.strings.splitStringBy (p: c: true) false "")
  ];
  camel = map lib.strings.toCamelCase [ "hello-world" "foo_bar baz" "fooBar" "XMLHttp" "" "a--b" ];
  gitIni = lib.generators.toGitINI {
    user = { name = "Alice"; email = "alice@example.org"; };
    "remote.origin" = { url = "https://example.org/repo.git"; fetch = [ "+refs/heads/*" "+refs/tags/*" ]; };
    core.editor = "vim \"quoted\"\ttab";
    url."https://github.com/".insteadOf = "gh:";
    init.defaultBranch = "main";
  };
  lua = [
    (lib.generators.toLua { } { a = [ 1 null true "s" ]; b = lib.generators.mkLuaInline "vim.fn.stdpath('data')"; c = { }; d = [ ]; })
    (lib.generators.toLua { multiline = false; } [ 1.5 { x = 1; } ])
    (lib.generators.toLua { asBindings = true; } { foo = 1; "bar.baz" = "q"; })
  ];
  extended = [ l2.answer (l2.double 1) (l2 ? extend) (lib ? answer) ];
}
