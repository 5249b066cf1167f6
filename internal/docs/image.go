package docs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"time"

	// Decoders of the image formats a photo may come in.
	_ "image/gif"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// ThumbSize is the longest side of a thumbnail, in pixels.
const ThumbSize = 320

// maxThumbPixels bounds the photos decoded for a thumbnail (a decoded
// image takes several bytes per pixel).
const maxThumbPixels = 80_000_000

// maxImageHeader bounds what may come before an image's dimensions (a
// JPEG's frame header after its APPn segments, a TIFF's first IFD): the
// bytes read to find them are kept to be decoded again.
const maxImageHeader = 8 << 20

// ErrImageTooLarge means an image declares more pixels than a thumbnail
// may decode, or hides its dimensions too deep to check them first.
var ErrImageTooLarge = errors.New("image too large for a thumbnail")

// cappedBuffer keeps what is written to it, up to max bytes.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.max {
		return 0, fmt.Errorf("%w: dimensions after the first %d bytes", ErrImageTooLarge, c.max)
	}
	return c.Buffer.Write(p)
}

// Thumbnail decodes an image and returns a JPEG scaled so that its longest
// side is at most ThumbSize pixels, turned upright by its EXIF orientation
// (1–8; 0 or 1 leaves it as stored). The dimensions the image declares are
// read first, however far into the stream they sit, and an image of more
// than maxThumbPixels, or whose dimensions cannot be read, is not decoded.
func Thumbnail(r io.Reader, orientation int) ([]byte, error) {
	seen := &cappedBuffer{max: maxImageHeader}
	cfg, _, err := image.DecodeConfig(io.TeeReader(r, seen))
	if err != nil {
		return nil, fmt.Errorf("read image dimensions: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errors.New("empty image")
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxThumbPixels {
		return nil, fmt.Errorf("%w: %dx%d", ErrImageTooLarge, cfg.Width, cfg.Height)
	}
	// The decoder reads the same bytes again: what the dimensions were
	// read from, then the rest.
	br := bufio.NewReaderSize(io.MultiReader(&seen.Buffer, r), 64<<10)
	src, _, err := image.Decode(br)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil, errors.New("empty image")
	}
	tw, th := w, h
	if w >= h && w > ThumbSize {
		tw, th = ThumbSize, max(1, h*ThumbSize/w)
	} else if h > w && h > ThumbSize {
		tw, th = max(1, w*ThumbSize/h), ThumbSize
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, upright(dst, orientation), &jpeg.Options{Quality: 82}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// upright turns an image as its EXIF orientation says the camera held it:
// 2 mirrored, 3 upside down, 4 mirrored upside down, 5–8 the same turned a
// quarter (6: to be turned clockwise, 8: anticlockwise). Each orientation
// is mirrors of the source (left to right, top to bottom) and, from 5 on,
// a swap of the axes.
func upright(src *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return src
	}
	mirrorX := orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8
	mirrorY := orientation == 3 || orientation == 4 || orientation == 6 || orientation == 7
	swap := orientation >= 5
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if swap {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := x, y
			if mirrorX {
				dx = w - 1 - x
			}
			if mirrorY {
				dy = h - 1 - y
			}
			if swap {
				dx, dy = dy, dx
			}
			dst.SetRGBA(dx, dy, src.RGBAAt(x, y))
		}
	}
	return dst
}

// ErrNoEXIF means a file has no EXIF data (or, from EXIFDate, no date).
var ErrNoEXIF = errors.New("no exif date")

// EXIF is what finreview reads of a photo's EXIF data.
type EXIF struct {
	Taken       time.Time // zero when the photo has no date
	Orientation int       // 1–8, 0 when not given
}

// EXIFDate reads a JPEG's EXIF DateTimeOriginal (falling back to
// DateTime); the camera's local time is taken as being in loc.
func EXIFDate(r io.Reader, loc *time.Location) (time.Time, error) {
	e, err := ReadEXIF(r, loc)
	if err != nil || e.Taken.IsZero() {
		return time.Time{}, ErrNoEXIF
	}
	return e.Taken, nil
}

// ReadEXIF reads a JPEG's EXIF date and orientation from its APP1
// segment. Only the segments before the image data are read.
func ReadEXIF(r io.Reader, loc *time.Location) (EXIF, error) {
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return EXIF{}, ErrNoEXIF
	}
	for {
		var m [2]byte
		if _, err := io.ReadFull(br, m[:]); err != nil {
			return EXIF{}, ErrNoEXIF
		}
		for m[0] == 0xFF && m[1] == 0xFF { // fill bytes
			b, err := br.ReadByte()
			if err != nil {
				return EXIF{}, ErrNoEXIF
			}
			m[1] = b
		}
		if m[0] != 0xFF || m[1] == 0xDA || m[1] == 0xD9 { // start of scan, end of image
			return EXIF{}, ErrNoEXIF
		}
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return EXIF{}, ErrNoEXIF
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		if n < 0 {
			return EXIF{}, ErrNoEXIF
		}
		if m[1] != 0xE1 {
			if _, err := br.Discard(n); err != nil {
				return EXIF{}, ErrNoEXIF
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return EXIF{}, ErrNoEXIF
		}
		if !bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			continue
		}
		return tiffEXIF(seg[6:], loc)
	}
}

// tiffEXIF finds DateTimeOriginal (Exif IFD tag 0x9003, else DateTime,
// IFD0 tag 0x0132) and Orientation (IFD0 tag 0x0112) in a TIFF structure.
func tiffEXIF(t []byte, loc *time.Location) (EXIF, error) {
	if len(t) < 8 {
		return EXIF{}, ErrNoEXIF
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return EXIF{}, ErrNoEXIF
	}
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
		short    uint16 // a SHORT value, stored first in the value field
	}
	readIFD := func(off uint32) []entry {
		if int(off)+2 > len(t) {
			return nil
		}
		n := int(bo.Uint16(t[off:]))
		var out []entry
		for i := 0; i < n; i++ {
			p := int(off) + 2 + 12*i
			if p+12 > len(t) {
				break
			}
			out = append(out, entry{bo.Uint16(t[p:]), bo.Uint16(t[p+2:]), bo.Uint32(t[p+4:]), bo.Uint32(t[p+8:]), bo.Uint16(t[p+8:])})
		}
		return out
	}
	ascii := func(e entry) string {
		if e.typ != 2 || e.count < 19 || int(e.value)+int(e.count) > len(t) {
			return ""
		}
		return strings.TrimRight(string(t[e.value:e.value+e.count]), "\x00 ")
	}
	parse := func(s string) (time.Time, bool) {
		at, err := time.ParseInLocation("2006:01:02 15:04:05", s, loc)
		return at, err == nil && at.Year() > 1900
	}
	var out EXIF
	var fallback string
	for _, e := range readIFD(bo.Uint32(t[4:])) {
		switch e.tag {
		case 0x0112:
			if e.typ == 3 && e.short >= 1 && e.short <= 8 {
				out.Orientation = int(e.short)
			}
		case 0x0132:
			fallback = ascii(e)
		case 0x8769:
			for _, x := range readIFD(e.value) {
				if x.tag == 0x9003 {
					if at, ok := parse(ascii(x)); ok {
						out.Taken = at
					}
				}
			}
		}
	}
	if at, ok := parse(fallback); ok && out.Taken.IsZero() {
		out.Taken = at
	}
	return out, nil
}
