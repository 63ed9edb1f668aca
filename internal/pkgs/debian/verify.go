package debian

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// DefaultKeyring is the Debian archive keyring shipped by Debian's
// debian-archive-keyring package.
const DefaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// Keyring is a set of OpenPGP public keys trusted to sign Release files.
type Keyring struct {
	entities openpgp.EntityList
}

// ReadKeyring reads a binary (or ASCII-armoured) OpenPGP keyring.
func ReadKeyring(r io.Reader) (*Keyring, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var el openpgp.EntityList
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		el, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		el, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("reading keyring: %w", err)
	}
	if len(el) == 0 {
		return nil, fmt.Errorf("keyring holds no keys")
	}
	return &Keyring{entities: el}, nil
}

// LoadKeyring reads the keyring file at path.
func LoadKeyring(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k, err := ReadKeyring(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Len returns the number of keys (primary keys) in the keyring.
func (k *Keyring) Len() int { return len(k.entities) }

// VerifyInRelease checks the clearsigned OpenPGP signature of an InRelease
// file against the keyring, as of time now, and returns the signed text
// and the fingerprint of the key that signed it. file names the input in
// errors.
func (k *Keyring) VerifyInRelease(file string, data []byte, now time.Time) (text string, signer string, err error) {
	block, _ := clearsign.Decode(data)
	if block == nil {
		return "", "", fmt.Errorf("%s: not a clearsigned OpenPGP message", file)
	}
	cfg := &packet.Config{Time: func() time.Time { return now }}
	ent, err := block.VerifySignature(k.entities, cfg)
	if err != nil {
		return "", "", fmt.Errorf("%s: OpenPGP signature does not verify against the archive keyring: %w", file, err)
	}
	fp := ""
	if ent != nil && ent.PrimaryKey != nil {
		fp = fmt.Sprintf("%X", ent.PrimaryKey.Fingerprint)
	}
	return string(block.Plaintext), fp, nil
}
