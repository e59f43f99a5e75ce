package config

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// pinIterations is the PBKDF2-SHA256 work factor for new PIN hashes.
const pinIterations = 210_000

// pinScheme prefixes every stored hash: "pbkdf2-sha256$iterations$salt$hash"
// with salt and hash in unpadded standard base64.
const pinScheme = "pbkdf2-sha256"

type pinHash struct {
	iter       int
	salt, hash []byte
}

// HashPIN returns a salted PBKDF2-SHA256 hash of pin for
// Supervisor.PINHash.
func HashPIN(pin string) (string, error) {
	if len(pin) < 4 {
		return "", errors.New("hash pin: a PIN needs at least 4 characters")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash pin: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, pinIterations, 32)
	if err != nil {
		return "", fmt.Errorf("hash pin: %w", err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$%d$%s$%s", pinScheme, pinIterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPIN reports whether pin matches a hash made by HashPIN. A malformed
// hash matches nothing.
func CheckPIN(hash, pin string) bool {
	h, err := parsePINHash(hash)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pin, h.salt, h.iter, len(h.hash))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(key, h.hash) == 1
}

func parsePINHash(s string) (pinHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != pinScheme {
		return pinHash{}, fmt.Errorf("not a %s hash made by Gradewatch", pinScheme)
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1000 || iter > 10_000_000 {
		return pinHash{}, fmt.Errorf("iteration count %q is out of range", parts[1])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[2])
	if err != nil || len(salt) < 8 {
		return pinHash{}, errors.New("the salt is not valid base64 of at least 8 bytes")
	}
	hash, err := enc.DecodeString(parts[3])
	if err != nil || len(hash) < 16 || len(hash) > 64 {
		return pinHash{}, errors.New("the hash is not valid base64 of 16 to 64 bytes")
	}
	return pinHash{iter: iter, salt: salt, hash: hash}, nil
}
