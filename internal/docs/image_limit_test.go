package docs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"testing"

	"finreview/internal/docs"
)

// smallJPEG is a w×h JPEG.
func smallJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withAPP puts n bytes of APP15 segments right after the SOI marker.
func withAPP(jpg []byte, n int) []byte {
	out := []byte{0xFF, 0xD8}
	for n > 0 {
		l := min(n, 65533)
		out = append(out, 0xFF, 0xEF)
		out = binary.BigEndian.AppendUint16(out, uint16(l+2))
		out = append(out, bytes.Repeat([]byte{'A'}, l)...)
		n -= l
	}
	return append(out, jpg[2:]...)
}

// declaring sets the dimensions in a JPEG's frame header and cuts the
// file after it: no pixels follow, so nothing large is ever allocated. A
// JFIF APP0 segment lets the header alone tell the dimensions.
func declaring(t *testing.T, jpg []byte, w, h int) []byte {
	t.Helper()
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	out := append([]byte(nil), jpg...)
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	l := int(binary.BigEndian.Uint16(out[i+2:]))
	jfif := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	return append(append(jfif, out[2:i+2+l]...), 0xFF, 0xD9)
}

// pngDeclaring is a PNG signature and an IHDR of w×h, and no pixels.
func pngDeclaring(w, h int) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// The pixel limit holds whatever the layout: a frame header after 128 KiB
// of APPn segments declaring 40000×40000 is refused before decoding.
func TestThumbnailPixelLimitAnyLayout(t *testing.T) {
	base := smallJPEG(t, 64, 48)
	for _, tc := range []struct {
		name string
		img  []byte
	}{
		{"jpeg frame header at the start", declaring(t, base, 40000, 40000)},
		{"jpeg frame header after 128 KiB of APPn", withAPP(declaring(t, base, 40000, 40000), 128<<10)},
		{"jpeg frame header after 1 MiB of APPn", withAPP(declaring(t, base, 40000, 40000), 1<<20)},
		{"png", pngDeclaring(40000, 40000)},
		{"gif", append([]byte("GIF89a"), 0x40, 0x9C, 0x40, 0x9C, 0, 0, 0, ';')},
		{"frame header past the header limit", withAPP(base, 9<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := docs.Thumbnail(bytes.NewReader(tc.img), 0)
			if !errors.Is(err, docs.ErrImageTooLarge) {
				t.Fatalf("err = %v, want ErrImageTooLarge", err)
			}
		})
	}
	t.Run("a small photo behind large APPn segments still gets its thumbnail", func(t *testing.T) {
		out, err := docs.Thumbnail(bytes.NewReader(withAPP(base, 200<<10)), 0)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width != 64 || cfg.Height != 48 {
			t.Fatalf("thumbnail %dx%d, %v", cfg.Width, cfg.Height, err)
		}
	})
}
