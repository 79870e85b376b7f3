package supervise

// FontData is the embedded chart font, for the tests of package supervise_test.
func FontData() []byte { return fontData }
