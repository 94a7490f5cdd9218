package main

import (
	"encoding/json"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"syscall"
	"time"
)

// report is the JSON printed at exit. Times are seconds since main started. Histogram
// metrics keep only their non-empty buckets, as [lo, hi, count] with null for an
// infinite bound. MemStats, metrics and rusage are read right after the last phase,
// before the report itself allocates.
type report struct {
	Shape    string             `json:"shape"`
	Phases   []phase            `json:"phases"`
	WorkS    float64            `json:"work_s"` // all phases: what gclab simulates
	Extra    map[string]any     `json:"extra"`
	MemStats runtime.MemStats   `json:"memstats"`
	Metrics  map[string]any     `json:"metrics"`
	Rusage   map[string]float64 `json:"rusage"`
	start    time.Time
}

type phase struct {
	Name string  `json:"name"`
	EndS float64 `json:"end_s"`
}

func newReport(shape string) *report {
	return &report{Shape: shape, Extra: map[string]any{}, start: time.Now()}
}

func (r *report) phase(name string) {
	r.Phases = append(r.Phases, phase{name, time.Since(r.start).Seconds()})
}

func finite(x float64) any {
	if math.IsInf(x, 0) {
		return nil
	}
	return x
}

func (r *report) finish() {
	r.WorkS = time.Since(r.start).Seconds()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	runtime.ReadMemStats(&r.MemStats)
	descs := metrics.All()
	samples := make([]metrics.Sample, len(descs))
	for i, d := range descs {
		samples[i].Name = d.Name
	}
	metrics.Read(samples)
	r.Metrics = map[string]any{}
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			r.Metrics[s.Name] = s.Value.Uint64()
		case metrics.KindFloat64:
			r.Metrics[s.Name] = finite(s.Value.Float64())
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			var bins [][3]any
			for i, c := range h.Counts {
				if c > 0 {
					bins = append(bins, [3]any{finite(h.Buckets[i]), finite(h.Buckets[i+1]), c})
				}
			}
			r.Metrics[s.Name] = bins
		}
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	r.Rusage = map[string]float64{
		"user_s": tv(ru.Utime), "sys_s": tv(ru.Stime), "maxrss_kb": float64(ru.Maxrss),
		"minflt": float64(ru.Minflt), "majflt": float64(ru.Majflt),
		"nvcsw": float64(ru.Nvcsw), "nivcsw": float64(ru.Nivcsw),
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(r); err != nil {
		panic(err)
	}
}
