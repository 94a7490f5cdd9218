package main

import (
	"syscall"
	"time"
)

// madviseCost measures what Go 1.19's sysUnusedOS costs on linux/amd64: madvise
// MADV_DONTNEED (debug.madvdontneed=1, the default) on touched memory, released in runs of
// runBytes. Returns ns per 8 KiB runtime page (the page is touched again before each round,
// as reused heap memory would be).
func madviseCost(runBytes int) float64 {
	const size = 64 << 20
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return -1
	}
	defer syscall.Munmap(mem)
	var total time.Duration
	rounds := 5
	for r := 0; r < rounds; r++ {
		for i := 0; i < size; i += 4096 {
			mem[i] = 1
		}
		t0 := time.Now()
		for off := 0; off < size; off += runBytes {
			_ = syscall.Madvise(mem[off:off+runBytes], 4) // MADV_DONTNEED
		}
		total += time.Since(t0)
	}
	pages := float64(rounds) * size / 8192
	return float64(total.Nanoseconds()) / pages
}
