package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSealKeyFile: the first start makes the seal key next to the data dir (0600), later starts reuse it, so a
// report draft sealed in one run opens in the next; a key file inside the data dir is refused.
func TestSealKeyFile(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	t.Setenv("CONDUCTBOT_DATA_DIR", data)
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CONDUCTBOT_SEAL_KEY_FILE", "")
	if code, out, errOut := runInspCmd(t, "", "windows", "load", writeFile(t, root, "windows.txt", "3 不动产登记\n")); code != 0 {
		t.Fatalf("windows load: %d %q %q", code, out, errOut)
	}
	code, out, _ := runInspCmd(t, "", "inspectors", "invite")
	invite := regexp.MustCompile(`(?m)^[0-9A-Z]{5}-[0-9A-Z]{5}$`).FindString(out)
	if code != 0 || invite == "" {
		t.Fatalf("invite: %d %q", code, out)
	}
	keyFile := data + ".key"
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no seal key next to the data dir: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the seal key file is %v, want 0600", fi.Mode().Perm())
	}
	key, _ := os.ReadFile(keyFile)
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(key) {
		t.Errorf("the seal key file holds %d bytes, not 64 hex digits", len(key))
	}
	ents, _ := os.ReadDir(data)
	for _, e := range ents {
		if strings.Contains(e.Name(), "key") {
			t.Errorf("%s in the data dir", e.Name())
		}
	}
	// At step 1 (也可以直接输入窗口号) a bare 3 is the window's number, typed, not button [3].
	if code, out, _ = runInspCmd(t, "/join "+invite+"\n/report\n3\n/quit\n", "chat", "--as", "staff", "--user", "4242"); code != 0 || !strings.Contains(out, "窗口：3号窗口 不动产登记") {
		t.Fatalf("a draft in the first run: %d\n%s", code, out)
	}
	if again, _ := os.ReadFile(keyFile); string(again) != string(key) {
		t.Fatal("the seal key changed between runs")
	}
	// The draft is stored under the chat's pseudonym, not its ID. A version before pseudonyms kept it under the
	// plain ID: moved back there, the next start moves it under the pseudonym again, and it opens.
	db, err := sql.Open("sqlite", filepath.Join(data, "conductbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var plain, pseudonymous int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE chat_id = 4242), count(*) FILTER (WHERE chat_id >= 4611686018427387904)
		FROM bot_states`).Scan(&plain, &pseudonymous); err != nil {
		t.Fatal(err)
	}
	if plain != 0 || pseudonymous != 1 {
		t.Fatalf("bot_states: %d rows under the chat ID, %d under a pseudonym; want 0 and 1", plain, pseudonymous)
	}
	if _, err := db.Exec(`UPDATE bot_states SET chat_id = 4242 WHERE chat_id >= 4611686018427387904`); err != nil {
		t.Fatal(err)
	}
	// The next run opens the sealed draft.
	if code, out, _ = runInspCmd(t, "/report\n/quit\n", "chat", "--as", "staff", "--user", "4242"); code != 0 || !strings.Contains(out, "未完成的暗访报告") {
		t.Fatalf("the draft in the second run: %d\n%s", code, out)
	}

	t.Setenv("CONDUCTBOT_SEAL_KEY_FILE", filepath.Join(data, "seal.key"))
	if code, _, errOut := runInspCmd(t, "", "inspectors", "list"); code == 0 || !strings.Contains(errOut, "CONDUCTBOT_SEAL_KEY_FILE") {
		t.Errorf("a key file inside the data dir: %d %q", code, errOut)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
