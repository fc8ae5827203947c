// A peer for the key tests, built on the Go libraries cosign's key files come from: crypto/ecdsa
// and crypto/x509 (PKCS#8, PKIX), encoding/pem, golang.org/x/crypto scrypt and nacl/secretbox,
// and encoding/json's base64 for []byte fields. It writes keys in cosign's encrypted format and
// uses keys written by others, so the tests check ocikit against an independent implementation.
//
//	cosign-key generate PASSWORD KEYFILE PUBFILE
//	cosign-key sign KEYFILE PASSWORD FILE         prints the base64 DER signature of FILE
//	cosign-key verify PUBFILE FILE SIGNATURE      exits 0 when the base64 DER signature verifies
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

type envelope struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func generate(password, keyFile, pubFile string) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	must(err)
	var env envelope
	env.KDF.Name = "scrypt"
	env.KDF.Params.N, env.KDF.Params.R, env.KDF.Params.P = 65536, 8, 1
	env.KDF.Salt = make([]byte, 32)
	_, err = rand.Read(env.KDF.Salt)
	must(err)
	key, err := scrypt.Key([]byte(password), env.KDF.Salt, 65536, 8, 1, 32)
	must(err)
	env.Cipher.Name = "nacl/secretbox"
	env.Cipher.Nonce = make([]byte, 24)
	_, err = rand.Read(env.Cipher.Nonce)
	must(err)
	var k [32]byte
	var n [24]byte
	copy(k[:], key)
	copy(n[:], env.Cipher.Nonce)
	env.Ciphertext = secretbox.Seal(nil, der, &n, &k)
	body, err := json.Marshal(env)
	must(err)
	must(os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: body}), 0o600))
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	must(err)
	must(os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644))
}

func sign(keyFile, password, file string) {
	text, err := os.ReadFile(keyFile)
	must(err)
	block, _ := pem.Decode(text)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		must(errors.New("not an encrypted sigstore key"))
	}
	var env envelope
	must(json.Unmarshal(block.Bytes, &env))
	if env.KDF.Name != "scrypt" || env.Cipher.Name != "nacl/secretbox" || len(env.Cipher.Nonce) != 24 {
		must(errors.New("unexpected envelope"))
	}
	key, err := scrypt.Key([]byte(password), env.KDF.Salt, env.KDF.Params.N, env.KDF.Params.R, env.KDF.Params.P, 32)
	must(err)
	var k [32]byte
	var n [24]byte
	copy(k[:], key)
	copy(n[:], env.Cipher.Nonce)
	der, ok := secretbox.Open(nil, env.Ciphertext, &n, &k)
	if !ok {
		must(errors.New("wrong password"))
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	must(err)
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		must(errors.New("not an ECDSA key"))
	}
	data, err := os.ReadFile(file)
	must(err)
	digest := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	must(err)
	fmt.Println(base64.StdEncoding.EncodeToString(sig))
}

func verify(pubFile, file, signature string) {
	text, err := os.ReadFile(pubFile)
	must(err)
	block, _ := pem.Decode(text)
	if block == nil || block.Type != "PUBLIC KEY" {
		must(errors.New("not a public key"))
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	must(err)
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		must(errors.New("not an ECDSA key"))
	}
	data, err := os.ReadFile(file)
	must(err)
	sig, err := base64.StdEncoding.DecodeString(signature)
	must(err)
	digest := sha256.Sum256(data)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		fmt.Fprintln(os.Stderr, "signature does not verify")
		os.Exit(1)
	}
}

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 4 && args[0] == "generate":
		generate(args[1], args[2], args[3])
	case len(args) == 4 && args[0] == "sign":
		sign(args[1], args[2], args[3])
	case len(args) == 4 && args[0] == "verify":
		verify(args[1], args[2], args[3])
	default:
		must(errors.New("usage: cosign-key generate|sign|verify ..."))
	}
}
