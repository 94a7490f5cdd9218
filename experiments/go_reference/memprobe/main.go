// Command memprobe builds a steady heap in real Go 1.19 and prints the runtime's memory
// accounting (runtime.MemStats and runtime/metrics /memory/classes/*) at a few points, so
// gclab's non-heap memory model (framework/runtime/memstats.py) can be checked against it.
//
// The heap: 500k objects of 64 B with one pointer each, hung off 4096 global anchors as
// linked chains; churn replaces whole chains (the live heap stays constant, the old chain
// becomes garbage). Output: one JSON object per line, first the sizes of the runtime's
// metadata structs (read from this binary's DWARF), then one line per point.
//
// Run (go run strips DWARF, so build): go build -o /tmp/memprobe . && /tmp/memprobe >
// output_gogc100.jsonl (see README.md).
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"
)

const (
	nObjects = 500_000
	nAnchors = 4096
	perChain = nObjects / nAnchors
)

type node struct {
	next *node
	pad  [56]byte // 64 B objects, one pointer word
}

var anchors [nAnchors]*node

func chain(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head}
	}
	return head
}

// typeSizes reads the byte sizes of runtime metadata structs from this binary's DWARF.
func typeSizes(names []string) map[string]int64 {
	out := map[string]int64{}
	exe, err := os.Executable()
	if err != nil {
		return out
	}
	f, err := elf.Open(exe)
	if err != nil {
		return out
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return out
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if want[name] {
			if sz, ok := e.Val(dwarf.AttrByteSize).(int64); ok {
				out[name] = sz
			}
		}
	}
	return out
}

func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

var samples []metrics.Sample

func point(label string, extra map[string]any) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	metrics.Read(samples)
	m := map[string]uint64{}
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			m[s.Name] = s.Value.Uint64()
		}
	}
	rec := map[string]any{
		"point":        label,
		"goroutines":   runtime.NumGoroutine(),
		"Sys":          ms.Sys,
		"HeapSys":      ms.HeapSys,
		"HeapInuse":    ms.HeapInuse,
		"HeapIdle":     ms.HeapIdle,
		"HeapReleased": ms.HeapReleased,
		"HeapAlloc":    ms.HeapAlloc,
		"HeapObjects":  ms.HeapObjects,
		"StackInuse":   ms.StackInuse,
		"StackSys":     ms.StackSys,
		"MSpanInuse":   ms.MSpanInuse,
		"MSpanSys":     ms.MSpanSys,
		"MCacheInuse":  ms.MCacheInuse,
		"MCacheSys":    ms.MCacheSys,
		"BuckHashSys":  ms.BuckHashSys,
		"GCSys":        ms.GCSys,
		"OtherSys":     ms.OtherSys,
		"NextGC":       ms.NextGC,
		"NumGC":        ms.NumGC,
		"MappedReady":  ms.Sys - ms.HeapReleased,
		"SysMinusHeap": ms.Sys - ms.HeapSys,
		"metrics":      m,
		"gomaxprocs":   runtime.GOMAXPROCS(0),
		"gomemlimit":   debug.SetMemoryLimit(-1),
		"elapsed_ms":   time.Since(start).Milliseconds(),
	}
	for k, v := range extra {
		rec[k] = v
	}
	emit(rec)
}

var start = time.Now()

func churn(rng *rand.Rand, chains int) {
	for i := 0; i < chains; i++ {
		anchors[rng.Intn(nAnchors)] = chain(perChain)
	}
}

func main() {
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") || d.Name == "/gc/heap/goal:bytes" {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	rng := rand.New(rand.NewSource(1))
	point("start", nil)
	for i := range anchors {
		anchors[i] = chain(perChain)
	}
	point("built", nil)
	// Churn: replace ~4x the live heap, i.e. several GC cycles at GOGC=100.
	churn(rng, 4*nAnchors)
	point("steady", nil)
	runtime.GC()
	point("after_gc", nil)
	// 1000 parked goroutines with minimal (2 KiB) stacks.
	block := make(chan struct{})
	done := make(chan struct{})
	for i := 0; i < 1000; i++ {
		go func() { <-block; done <- struct{}{} }()
	}
	time.Sleep(50 * time.Millisecond)
	point("goroutines_1000", nil)
	close(block)
	for i := 0; i < 1000; i++ {
		<-done
	}
	// Shrink the live heap to a quarter and let the background scavenger work.
	for i := nAnchors / 4; i < nAnchors; i++ {
		anchors[i] = nil
	}
	runtime.GC()
	point("shrunk", nil)
	for s := 1; s <= 4; s++ {
		// Keep allocating a little so GCs (and scavenger pacing) keep happening.
		t0 := time.Now()
		for time.Since(t0) < time.Second {
			churn(rng, 16)
			time.Sleep(time.Millisecond)
		}
		point(fmt.Sprintf("shrunk_plus_%ds", s), nil)
	}
	debug.FreeOSMemory()
	point("free_os_memory", nil)
	// Last, so reading DWARF does not disturb the heap measured above.
	emit(map[string]any{"sizes": typeSizes([]string{
		"runtime.mspan", "runtime.heapArena", "runtime.mcache", "runtime.p",
		"runtime.gcBitsArena", "runtime.pallocData", "runtime.g", "runtime.m",
	})})
	emit(map[string]any{"madvise_ns_per_page": map[string]float64{
		"run_8KiB":  madviseCost(8 << 10),
		"run_64KiB": madviseCost(64 << 10),
		"run_1MiB":  madviseCost(1 << 20),
	}})
}
