package analysis

import "testing"

// BenchmarkAnalyze measures the analysis of one segment, over the
// segments of the lossy capture (data, ACKs, duplicates, holes).
func BenchmarkAnalyze(b *testing.B) {
	ps := packets(b, "lossy")
	a := New(Config{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(ps) == 0 {
			a = New(Config{})
		}
		a.Analyze(&ps[i%len(ps)])
	}
}
