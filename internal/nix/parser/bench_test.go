package parser

import (
	"fmt"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/token"
)

// generated returns a package set of about size bytes in the style of
// Nixpkgs: lambdas, rec sets, interpolated and indented strings, lists,
// selections, operators and nested attribute paths.
func generated(size int) []byte {
	var b strings.Builder
	b.WriteString("{ lib, stdenv, fetchurl, python3, ... }:\nlet\n  inherit (lib) mkIf optional;\n  common = { a = 1; b = 2; };\nin rec {\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `  pkg%d = stdenv.mkDerivation rec {
    pname = "pkg%d";
    version = "1.%d.3";
    src = fetchurl {
      url = "https://example.org/releases/${pname}-${version}.tar.gz";
      sha256 = "0%052d";
    };
    nativeBuildInputs = [ python3 pkg%d ] ++ optional stdenv.isLinux python3.pkgs.setuptools;
    buildInputs = lib.optionals (stdenv.hostPlatform.system == "x86_64-linux") [ common ];
    doCheck = !stdenv.isDarwin && version >= "1.0";
    postInstall = ''
      mkdir -p $out/share/${pname}
      cp -r docs/* $out/share/${pname}/ # comment
      ''${NOT_INTERPOLATED}
    '';
    passthru.tests.version = { inherit version; n = %d * 2 + 1 - 3 / 1; };
    meta = with lib; {
      description = "Package number %d";
      license = licenses.mit;
      platforms = platforms.linux ++ platforms.darwin;
      maintainers = [ maintainers.someone or null ];
    };
  };
`, i, i, i%10, i, i/2, i, i)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

func BenchmarkParse1MB(b *testing.B) {
	src := generated(1 << 20)
	cfg := Config{BaseDir: "/pwd", HomeDir: "/home", Globals: NixGlobals}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseFile(token.NewFileSet(), "gen.nix", src, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGeneratedParses(t *testing.T) {
	src := generated(64 << 10)
	e, err := ParseFile(token.NewFileSet(), "gen.nix", src, Config{BaseDir: "/pwd", Globals: NixGlobals})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, e)
}
