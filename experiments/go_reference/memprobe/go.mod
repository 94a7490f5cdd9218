module gclab/memprobe

go 1.19
