package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxCallbackData is the Bot API's limit on a button's callback data, in bytes.
const MaxCallbackData = 64

// ErrBadCallback is returned by ParseCallback for data that is not in the bot's format.
var ErrBadCallback = errors.New("bot: malformed callback data")

// CallbackData builds a button's callback data "prefix:arg:arg". The prefix is a lower-case letter followed by
// up to 7 lower-case letters or digits; arguments use only A–Z a–z 0–9 . _ - (IDs, clause numbers, codes). The
// whole is at most 64 bytes. Invalid input is a programming error and panics, so it is found in tests.
func CallbackData(prefix string, args ...string) string {
	s, err := buildCallback(prefix, args)
	if err != nil {
		panic(err)
	}
	return s
}

func buildCallback(prefix string, args []string) (string, error) {
	if !validPrefix(prefix) {
		return "", fmt.Errorf("bot: callback prefix %q: want [a-z][a-z0-9]{0,7}", prefix)
	}
	n := len(prefix)
	for _, a := range args {
		if !validArg(a) {
			return "", fmt.Errorf("bot: callback argument %q: want [A-Za-z0-9._-]*", a)
		}
		n += 1 + len(a)
	}
	if n > MaxCallbackData {
		return "", fmt.Errorf("bot: callback data of %d bytes: at most %d", n, MaxCallbackData)
	}
	if len(args) == 0 {
		return prefix, nil
	}
	return prefix + ":" + strings.Join(args, ":"), nil
}

// ParseCallback validates untrusted callback data and splits it into its prefix and arguments.
func ParseCallback(data string) (prefix string, args []string, err error) {
	if data == "" || len(data) > MaxCallbackData {
		return "", nil, ErrBadCallback
	}
	parts := strings.Split(data, ":")
	if !validPrefix(parts[0]) {
		return "", nil, ErrBadCallback
	}
	for _, a := range parts[1:] {
		if !validArg(a) {
			return "", nil, ErrBadCallback
		}
	}
	return parts[0], parts[1:], nil
}

func validPrefix(p string) bool {
	if len(p) == 0 || len(p) > 8 || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if c := p[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validArg(a string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ID formats a numeric ID as a callback argument (base 36, short).
func ID(id int64) string { return strconv.FormatInt(id, 36) }

// ParseID reads an argument written by ID; ok is false for anything else, including negative numbers.
func ParseID(s string) (int64, bool) {
	if s == "" || len(s) > 13 || !validArg(s) || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 36, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
