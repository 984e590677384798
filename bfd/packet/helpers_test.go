package packet

import "crypto/md5"

func md5sum(b []byte) [16]byte { return md5.Sum(b) }
