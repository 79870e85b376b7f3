package bot

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// SealedInbox stores updates sealed (AES-256-GCM under key, bound to the bot and the update ID), so that a copy
// of the database or of its write-ahead log taken while an update waits does not hold its user IDs and texts
// next to each other in clear: an inspector's notes travel through the inbox on their way into a report.
func SealedInbox(in UpdateInbox, key []byte) (UpdateInbox, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("bot: inbox seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("bot: inbox seal key: %w", err)
	}
	return &sealedInbox{in: in, aead: aead}, nil
}

type sealedInbox struct {
	in   UpdateInbox
	aead cipher.AEAD
}

func inboxAAD(botID, updateID int64) []byte {
	return []byte("conductbot inbox v1\x00" + strconv.FormatInt(botID, 10) + "\x00" + strconv.FormatInt(updateID, 10))
}

// sealedUpdate is what a sealed row holds: JSON, as the stores expect of an update.
type sealedUpdate struct {
	Sealed []byte `json:"sealed"`
}

func (s *sealedInbox) PutUpdates(ctx context.Context, botID int64, owner string, leaseUntil time.Time, us []RawUpdate) ([]int64, error) {
	sealed := make([]RawUpdate, len(us))
	for i, u := range us {
		nonce := make([]byte, s.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("bot: seal update: %w", err)
		}
		data, err := json.Marshal(sealedUpdate{Sealed: s.aead.Seal(nonce, nonce, u.Data, inboxAAD(botID, u.ID))})
		if err != nil {
			return nil, err
		}
		sealed[i] = RawUpdate{ID: u.ID, Data: data}
	}
	return s.in.PutUpdates(ctx, botID, owner, leaseUntil, sealed)
}

func (s *sealedInbox) ClaimUpdates(ctx context.Context, botID int64, owner string, now, leaseUntil time.Time, afterID int64, limit int) ([]RawUpdate, error) {
	us, err := s.in.ClaimUpdates(ctx, botID, owner, now, leaseUntil, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := us[:0]
	for _, u := range us {
		var su sealedUpdate
		if err := json.Unmarshal(u.Data, &su); err != nil || su.Sealed == nil {
			out = append(out, u) // stored before sealing
			continue
		}
		n := s.aead.NonceSize()
		if len(su.Sealed) < n {
			_ = s.in.DoneUpdate(ctx, botID, u.ID)
			continue
		}
		plain, err := s.aead.Open(nil, su.Sealed[:n], su.Sealed[n:], inboxAAD(botID, u.ID))
		if err != nil { // sealed under another key: it cannot be handled; drop it rather than retry forever
			_ = s.in.DoneUpdate(ctx, botID, u.ID)
			continue
		}
		out = append(out, RawUpdate{ID: u.ID, Data: plain})
	}
	return out, nil
}

func (s *sealedInbox) DoneUpdate(ctx context.Context, botID, updateID int64) error {
	return s.in.DoneUpdate(ctx, botID, updateID)
}
