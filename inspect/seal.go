package inspect

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// SealKeyLen is the length of the key that seals the chat states of the spot-check forms (AES-256-GCM).
const SealKeyLen = 32

// ErrSealed is returned when a sealed state cannot be opened: another key sealed it (the key file was
// replaced), or it was altered.
var ErrSealed = errors.New("inspect: a sealed state cannot be opened with this key")

// sealer seals and opens the chat states that would otherwise put an inspector's chat ID next to a report's
// content: the draft (answers, notes, description, its draft ID, the report ID and receipt it will file under),
// the receipt waiting to be shown, the report a supplement is written for. The key is kept outside the database
// and outside the data directory (CONDUCTBOT_SEAL_KEY_FILE), so that a copy of either holds only ciphertext
// next to the chat ID.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != SealKeyLen {
		return nil, fmt.Errorf("inspect: the seal key must be %d bytes, not %d", SealKeyLen, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("inspect: seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("inspect: seal key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// envelope is what a sealed state stores: base64 of the nonce and the ciphertext. It is JSON, as bot states are.
type envelope struct {
	Sealed string `json:"sealed"`
}

// aad binds a sealed state to its kind and chat: a sealed draft copied to another chat's row does not open.
func aad(kind string, chatID int64) []byte {
	return []byte("conductbot seal v1\x00" + kind + "\x00" + strconv.FormatInt(chatID, 10))
}

// seal returns the JSON envelope of v sealed for the chat's state of kind.
func (s *sealer) seal(kind string, chatID int64, v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("inspect: seal %s: %w", kind, err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("inspect: seal %s: %w", kind, err)
	}
	box := s.aead.Seal(nonce, nonce, plain, aad(kind, chatID))
	return json.Marshal(envelope{Sealed: base64.RawStdEncoding.EncodeToString(box)})
}

// open decodes a state of kind into v: a sealed envelope is opened with the key; a state stored before states
// were sealed (a plain JSON object without "sealed") is decoded as it is, and sealed when next saved.
func (s *sealer) open(kind string, chatID int64, raw []byte, v any) error {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("inspect: state %s: %w", kind, err)
	}
	if env.Sealed == "" {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("inspect: state %s: %w", kind, err)
		}
		return nil
	}
	box, err := base64.RawStdEncoding.DecodeString(env.Sealed)
	if err != nil || len(box) < s.aead.NonceSize() {
		return ErrSealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, box[:n], box[n:], aad(kind, chatID))
	if err != nil {
		return ErrSealed
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("inspect: sealed state %s: %w", kind, err)
	}
	return nil
}

// putSealed stores v sealed as the chat's state of kind for ttl.
func (s *Service) putSealed(ctx context.Context, r *bot.Request, kind string, v any, ttl time.Duration) error {
	raw, err := s.sealer.seal(kind, r.ChatID, v)
	if err != nil {
		return err
	}
	return r.SaveState(ctx, kind, json.RawMessage(raw), ttl)
}

// loadSealed opens the chat's unexpired state of kind into v; ok is false when there is none. A state that
// does not open (the key changed) is deleted and taken as none, with a warning in the log.
func (s *Service) loadSealed(ctx context.Context, r *bot.Request, kind string, v any) (bool, error) {
	var raw json.RawMessage
	ok, err := r.LoadState(ctx, kind, &raw)
	if err != nil || !ok {
		return false, err
	}
	return s.openState(ctx, r, kind, raw, v)
}

// openState opens a state's data (raw) of kind into v; see loadSealed.
func (s *Service) openState(ctx context.Context, r *bot.Request, kind string, raw []byte, v any) (bool, error) {
	err := s.sealer.open(kind, r.ChatID, raw, v)
	if errors.Is(err, ErrSealed) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "inspect: a sealed chat state does not open with the seal key (was the key file replaced?); it is discarded",
			slog.String("kind", kind))
		if cerr := r.ClearState(ctx, kind); cerr != nil {
			return false, cerr
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// LoadSealKey reads the seal key from path, a file holding 64 hex digits (or 32 raw bytes). When the file does
// not exist it is created, 0600, with a new random key, and created is set. The key must stay outside the
// database and outside the data directory, and be the same for every instance sharing one database: with
// another key, drafts and waiting receipts cannot be opened (they are discarded).
func LoadSealKey(path string) (key []byte, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("inspect: no seal key file")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, SealKeyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, false, fmt.Errorf("inspect: new seal key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("inspect: seal key file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another instance made it first
			return LoadSealKey(path)
		}
		if err != nil {
			return nil, false, fmt.Errorf("inspect: seal key file: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			_ = os.Remove(path)
			return nil, false, fmt.Errorf("inspect: write seal key file: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("inspect: seal key file: %w", err)
	}
	if len(data) == SealKeyLen {
		return data, false, nil
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != SealKeyLen {
		return nil, false, fmt.Errorf("inspect: seal key file %s: want %d hex digits", path, 2*SealKeyLen)
	}
	return key, false, nil
}
