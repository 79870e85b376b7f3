package retrieval

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotAndNormalize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 1023, 1024} {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = r.Float32()-0.5, r.Float32()-0.5
			want += float64(a[i]) * float64(b[i])
		}
		if got := Dot(a, b); math.Abs(got-want) > 1e-4 {
			t.Errorf("n=%d: Dot = %v, want %v", n, got, want)
		}
		Normalize(a)
		if n > 0 && math.Abs(Dot(a, a)-1) > 1e-5 {
			t.Errorf("n=%d: a normalized vector has length² %v", n, Dot(a, a))
		}
	}
	if got := Dot([]float32{1, 2, 3}, []float32{1, 1}); got != 3 {
		t.Errorf("Dot of unequal lengths = %v, want 3 (the common prefix)", got)
	}
	zero := []float32{0, 0}
	if Normalize(zero); zero[0] != 0 || zero[1] != 0 {
		t.Error("a zero vector changed")
	}
}

func BenchmarkDot1024(b *testing.B) {
	x, y := make([]float32, 1024), make([]float32, 1024)
	for i := range x {
		x[i], y[i] = float32(i%7), float32(i%5)
	}
	b.ResetTimer()
	var s float64
	for i := 0; i < b.N; i++ {
		s += Dot(x, y)
	}
	_ = s
}
