package narinfo

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// SecretKey is a signing key in Nix's format "NAME:BASE64(64-byte ed25519
// private key)", as nix-store --generate-binary-cache-key writes it.
type SecretKey struct {
	Name string
	Key  ed25519.PrivateKey
}

// PublicKey is a verification key, "NAME:BASE64(32 bytes)".
type PublicKey struct {
	Name string
	Key  ed25519.PublicKey
}

// GenerateKey makes a key pair named name from rand.
func GenerateKey(name string, rand io.Reader) (SecretKey, PublicKey, error) {
	if err := checkKeyName(name); err != nil {
		return SecretKey{}, PublicKey{}, err
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return SecretKey{}, PublicKey{}, err
	}
	return SecretKey{Name: name, Key: priv}, PublicKey{Name: name, Key: pub}, nil
}

func checkKeyName(name string) error {
	if name == "" || strings.ContainsAny(name, ":\n") {
		return fmt.Errorf("invalid key name %q", name)
	}
	return nil
}

func splitKey(s, kind string, size int) (string, []byte, error) {
	s = strings.TrimSpace(s)
	name, b64, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return "", nil, fmt.Errorf("%s key is not in the form NAME:BASE64", kind)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("%s key '%s': invalid base 64: %w", kind, name, err)
	}
	if len(key) != size {
		return "", nil, fmt.Errorf("%s key '%s' has %d bytes, want %d", kind, name, len(key), size)
	}
	return name, key, nil
}

// ParseSecretKey parses a secret key (surrounding white space ignored).
func ParseSecretKey(s string) (SecretKey, error) {
	name, key, err := splitKey(s, "secret", ed25519.PrivateKeySize)
	if err != nil {
		return SecretKey{}, err
	}
	return SecretKey{Name: name, Key: ed25519.PrivateKey(key)}, nil
}

// ParsePublicKey parses a public key (surrounding white space ignored).
func ParsePublicKey(s string) (PublicKey, error) {
	name, key, err := splitKey(s, "public", ed25519.PublicKeySize)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey{Name: name, Key: ed25519.PublicKey(key)}, nil
}

// String returns the key in Nix's format.
func (k SecretKey) String() string { return k.Name + ":" + base64.StdEncoding.EncodeToString(k.Key) }

// String returns the key in Nix's format.
func (k PublicKey) String() string { return k.Name + ":" + base64.StdEncoding.EncodeToString(k.Key) }

// Public returns the public half of k.
func (k SecretKey) Public() PublicKey {
	return PublicKey{Name: k.Name, Key: k.Key.Public().(ed25519.PublicKey)}
}

// Sign signs a fingerprint and returns "NAME:BASE64(signature)".
func (k SecretKey) Sign(fingerprint string) string {
	return k.Name + ":" + base64.StdEncoding.EncodeToString(ed25519.Sign(k.Key, []byte(fingerprint)))
}

// Verify reports whether sig ("NAME:BASE64") is k's signature of
// fingerprint.
func (k PublicKey) Verify(fingerprint, sig string) bool {
	name, b64, ok := strings.Cut(sig, ":")
	if !ok || name != k.Name {
		return false
	}
	s, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(s) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(k.Key, []byte(fingerprint), s)
}

// Sign adds k's signature of n's fingerprint to n.Sigs.
func (n *NarInfo) Sign(storeDir string, k SecretKey) error {
	fp, err := n.Fingerprint(storeDir)
	if err != nil {
		return err
	}
	n.Sigs = sortedSet(append(n.Sigs, k.Sign(fp)))
	return nil
}

// Verify returns the name of a key among trusted that signed n, or an
// error when none did.
func (n *NarInfo) Verify(storeDir string, trusted []PublicKey) (string, error) {
	fp, err := n.Fingerprint(storeDir)
	if err != nil {
		return "", err
	}
	for _, sig := range n.Sigs {
		for _, k := range trusted {
			if k.Verify(fp, sig) {
				return k.Name, nil
			}
		}
	}
	return "", fmt.Errorf("'%s' has no valid signature from a trusted key (%d signatures)", n.StorePath, len(n.Sigs))
}
