package inspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/inspect"
)

func TestLoadSealKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.key")
	key, created, err := inspect.LoadSealKey(path)
	if err != nil || !created || len(key) != inspect.SealKeyLen {
		t.Fatalf("first start: %d bytes, created %v, %v", len(key), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file is %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := inspect.LoadSealKey(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("second start: created %v, same key %v, %v", created, bytes.Equal(again, key), err)
	}
	other, _, err := inspect.LoadSealKey(filepath.Join(dir, "other.key"))
	if err != nil || bytes.Equal(other, key) {
		t.Fatalf("a second key file holds the same key (%v)", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := inspect.LoadSealKey(bad); err == nil || !strings.Contains(err.Error(), "hex digits") {
		t.Errorf("a bad key file: %v", err)
	}
	e := newEnv(t)
	if _, err := inspect.New(inspect.Options{Store: e.store, Code: testenvCode(t, e), SealKey: []byte("short")}); err == nil {
		t.Error("a 5-byte seal key was taken")
	}
}

// TestSealedDraftState: the draft state is ciphertext bound to its chat; a service with another key (the key
// file was replaced) cannot open it and discards it, and the inspector starts afresh.
func TestSealedDraftState(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	e.say(inspUser, "/report")
	e.press(inspUser, "3号窗口")
	st, err := e.users.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(st.Data, &env); err != nil || len(env) != 1 || env["sealed"] == nil {
		t.Fatalf("the stored draft is not a sealed envelope: %s", st.Data)
	}
	var d struct {
		WindowID int64 `json:"win"`
	}
	openState(t, inspUser.ID, st, &d)
	if d.WindowID == 0 {
		t.Fatalf("the opened draft has no window")
	}
	// Bound to the chat: the same bytes do not open as another chat's draft.
	if err := inspect.OpenSealed(testSealKey, inspect.KindDraft, inspUser2.ID, st.Data, &d); err == nil {
		t.Error("a sealed draft opened as another chat's")
	}
	// Another key: the draft is gone, and /report starts a new one.
	other := newEnvOn(t, e.store.(fullStore), e.clock, func(o *inspect.Options) { o.SealKey = bytes.Repeat([]byte{7}, 32) })
	m := other.say(inspUser, "/report")
	expect(t, m.Text, "开始填写暗访报告", "第 1/5 步")
	if strings.Contains(other.log.String(), "7351906642") {
		t.Error("the log names the inspector")
	}
	expect(t, other.log.String(), "does not open with the seal key")
}
