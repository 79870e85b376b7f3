package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// uploader sends a file that is on disk (bot.File.Path) without holding it in memory: the library builds every
// multipart body in memory first. The body is the form's fields, the file copied from disk, and the closing
// boundary; its length is known and GetBody opens the file again, so net/http can replay it (HTTP/2 GOAWAY).
type uploader struct {
	base  string // {server}/bot{token}/
	token string // kept out of errors
	http  interface {
		Do(*http.Request) (*http.Response, error)
	}
}

// send calls method with fields and the file as fileField; the answer's errors are the library's (403 is
// tgbot.ErrorForbidden, 429 *tgbot.TooManyRequestsError, 400 tgbot.ErrorBadRequest …) so that Client.call
// retries and classifies them alike.
func (u *uploader) send(ctx context.Context, method string, fields map[string]string, fileField string, f bot.File) (*models.Message, error) {
	st, err := os.Stat(f.Path)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", f.Name, err)
	}
	var head bytes.Buffer
	form := multipart.NewWriter(&head)
	for _, k := range []string{"chat_id", "caption", "reply_markup", "disable_notification"} {
		if v, ok := fields[k]; ok {
			if err := form.WriteField(k, v); err != nil {
				return nil, err
			}
		}
	}
	if _, err := form.CreateFormFile(fileField, f.Name); err != nil {
		return nil, err
	}
	tail := "\r\n--" + form.Boundary() + "--\r\n"
	body := func() (io.ReadCloser, error) {
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head.Bytes()), r, bytes.NewReader([]byte(tail))), r}, nil
	}
	rc, err := body()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.base+method, rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	req.ContentLength = int64(head.Len()) + st.Size() + int64(len(tail))
	req.GetBody = body
	req.Header.Set("Content-Type", form.FormDataContentType())
	resp, err := u.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && u.token != "" {
			ue.URL = strings.ReplaceAll(ue.URL, u.token, "***")
		}
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
		ErrorCode   int             `json:"error_code"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode the answer to %s: %w", method, err)
	}
	if !r.OK {
		return nil, apiError(method, r.ErrorCode, r.Description, r.Parameters.RetryAfter)
	}
	var msg models.Message
	if err := json.Unmarshal(r.Result, &msg); err != nil {
		return nil, fmt.Errorf("decode the answer to %s: %w", method, err)
	}
	return &msg, nil
}

// apiError is the library's error for a Bot API error answer.
func apiError(method string, code int, desc string, retryAfter int) error {
	kinds := map[int]error{http.StatusForbidden: tgbot.ErrorForbidden, http.StatusBadRequest: tgbot.ErrorBadRequest,
		http.StatusUnauthorized: tgbot.ErrorUnauthorized, http.StatusNotFound: tgbot.ErrorNotFound, http.StatusConflict: tgbot.ErrorConflict}
	if code == http.StatusTooManyRequests {
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, desc), RetryAfter: retryAfter}
	}
	if k := kinds[code]; k != nil {
		return fmt.Errorf("%w, %s", k, desc)
	}
	return errors.New("error response from telegram for method " + method + ", " + strconv.Itoa(code) + " " + desc)
}
