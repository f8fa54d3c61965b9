package nn

// Argmax returns the index of the largest value (the first one on ties; 0
// for an empty slice). NaNs are never chosen over a number.
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] || (v[best] != v[best] && x == x) {
			best = i
		}
	}
	return best
}
