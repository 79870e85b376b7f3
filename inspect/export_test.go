package inspect

// OpenSealed opens a sealed chat state as a service with key does, for the tests of package inspect_test.
func OpenSealed(key []byte, kind string, chatID int64, raw []byte, v any) error {
	s, err := newSealer(key)
	if err != nil {
		return err
	}
	return s.open(kind, chatID, raw, v)
}
