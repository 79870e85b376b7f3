package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/internal/testkit"
)

// TestSealedInbox: an update waiting in the inbox is on disk sealed — neither the database file nor its
// write-ahead log holds its text or its user's ID in clear — and comes back whole; under another key it is
// dropped, not handled or retried forever.
func TestSealedInbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	st := testkit.SQLiteFile(t, path)
	key := bytes.Repeat([]byte{7}, 32)
	in, err := bot.SealedInbox(st, key)
	if err != nil {
		t.Fatal(err)
	}
	secret := "窗口人员一直在玩手机没抬头"
	raw, _ := json.Marshal(map[string]any{"update_id": 42, "message": map[string]any{"text": secret, "from": map[string]any{"id": 7351906642}}})
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := in.PutUpdates(ctx, 1, "a", now.Add(time.Minute), []bot.RawUpdate{{ID: 42, Data: raw}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("7351906642")) {
			t.Fatalf("%s holds the update in clear", filepath.Base(f))
		}
	}
	got, err := in.ClaimUpdates(ctx, 1, "a", now, now.Add(time.Minute), 0, 10)
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
		t.Fatalf("claimed %v %v", got, err)
	}
	other, _ := bot.SealedInbox(st, bytes.Repeat([]byte{8}, 32))
	if got, err := other.ClaimUpdates(ctx, 1, "a", now.Add(time.Hour), now.Add(2*time.Hour), 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("under another key: %v %v", got, err)
	}
	if got, _ := in.ClaimUpdates(ctx, 1, "a", now.Add(time.Hour), now.Add(2*time.Hour), 0, 10); len(got) != 0 {
		t.Fatalf("an update that cannot be opened stays: %v", got)
	}
}
