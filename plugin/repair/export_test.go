package repair

// Test hooks for the scanner, checked against encoding/json by fuzzing.
func ValidObject(b []byte) bool { _, ok := splitObject(b, nil); return ok }

func AppendString(b []byte, s string) []byte { return appendString(b, []byte(s)) }
