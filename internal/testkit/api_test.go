package testkit_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
)

type answer struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func post(t *testing.T, s *testkit.API, token, method, contentType, body string) (int, answer) {
	t.Helper()
	resp, err := http.Post(s.URL+"/bot"+token+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, a
}

// TestWireFormat checks the stand-in against the Bot API's behaviour for clients other than go-telegram/bot:
// JSON and URL-encoded bodies, and Telegram's errors.
func TestWireFormat(t *testing.T) {
	s := testkit.NewAPI(t)
	status, a := post(t, s, "wrong:token", "getMe", "application/json", "{}")
	if status != 401 || a.OK || a.Description != "Unauthorized" {
		t.Errorf("wrong token: %d %+v", status, a)
	}
	status, a = post(t, s, s.Token, "noSuchMethod", "application/json", "{}")
	if status != 404 {
		t.Errorf("unknown method: %d %+v", status, a)
	}
	// JSON body with reply_markup as an object.
	status, a = post(t, s, s.Token, "sendMessage", "application/json",
		`{"chat_id":42,"text":"你好","reply_markup":{"inline_keyboard":[[{"text":"按钮","callback_data":"x:1"}]]}}`)
	if status != 200 || !a.OK {
		t.Fatalf("JSON sendMessage: %d %+v", status, a)
	}
	c := s.WaitSent(t, 42, 0)
	if c.Text() != "你好" || len(c.Buttons()) != 1 || c.Buttons()[0].CallbackData != "x:1" {
		t.Errorf("recorded %+v", c.Params)
	}
	// URL-encoded body with reply_markup as a JSON string.
	form := url.Values{"chat_id": {"42"}, "message_id": {"1"}, "text": {"你好"},
		"reply_markup": {`{"inline_keyboard":[[{"text":"按钮","callback_data":"x:1"}]]}`}}
	status, a = post(t, s, s.Token, "editMessageText", "application/x-www-form-urlencoded", form.Encode())
	if status != 400 || !strings.Contains(a.Description, "message is not modified") {
		t.Errorf("same content: %d %+v", status, a)
	}
	for body, want := range map[string]string{
		`{"chat_id":42,"text":"` + strings.Repeat("长", 4097) + `"}`: "message is too long",
		`{"chat_id":42,"text":""}`:                                  "message text is empty",
		`{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"` + strings.Repeat("d", 65) + `"}]]}}`: "BUTTON_DATA_INVALID",
		`{"text":"x"}`: "chat_id is empty",
	} {
		status, a = post(t, s, s.Token, "sendMessage", "application/json", body)
		if status != 400 || !strings.Contains(a.Description, want) {
			t.Errorf("want %q: %d %+v", want, status, a)
		}
	}
	s.FailNext("sendMessage", 1, testkit.TooManyRequests(3))
	status, a = post(t, s, s.Token, "sendMessage", "application/json", `{"chat_id":42,"text":"x"}`)
	if status != 429 || a.ErrorCode != 429 || a.Parameters.RetryAfter != 3 {
		t.Errorf("429: %d %+v", status, a)
	}
	// getUpdates with offset confirms earlier updates; a webhook makes it a conflict.
	u := testkit.User(7, "u", "U")
	ids := s.Push(s.Text(testkit.Private(u), u, "一"), s.Text(testkit.Private(u), u, "二"))
	_, a = post(t, s, s.Token, "getUpdates", "application/json", `{"offset":0,"timeout":0}`)
	var got []map[string]any
	json.Unmarshal(a.Result, &got)
	if len(got) != 2 {
		t.Fatalf("getUpdates: %s", a.Result)
	}
	_, a = post(t, s, s.Token, "getUpdates", "application/json", `{"offset":`+jsonInt(ids[1])+`,"timeout":0}`)
	json.Unmarshal(a.Result, &got)
	if len(got) != 1 || s.Pending() != 1 {
		t.Errorf("after confirming the first: %s", a.Result)
	}
	post(t, s, s.Token, "setWebhook", "application/json", `{"url":"https://example.org/hook","secret_token":"s"}`)
	status, _ = post(t, s, s.Token, "getUpdates", "application/json", `{"timeout":0}`)
	if status != 409 {
		t.Errorf("getUpdates with a webhook set: %d", status)
	}
	// Files: getFile, then the download path.
	id := s.AddFile("a.txt", []byte("内容"))
	_, a = post(t, s, s.Token, "getFile", "application/json", `{"file_id":"`+id+`"}`)
	var f struct {
		FilePath string `json:"file_path"`
	}
	json.Unmarshal(a.Result, &f)
	resp, err := http.Get(s.URL + "/file/bot" + s.Token + "/" + f.FilePath)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %v %v", resp, err)
	}
	resp.Body.Close()
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
