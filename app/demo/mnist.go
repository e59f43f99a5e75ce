package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// IDX magic numbers of the MNIST files.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// maxDigits bounds the number of images read from one IDX file, so a
// corrupt header cannot make the reader allocate without limit.
const maxDigits = 100_000

// digit is one handwritten digit of the MNIST test set.
type digit struct {
	// Pix holds Side*Side grey values, row-major, 0 = background (dark),
	// 255 = ink.
	Pix []byte
	// Label is the digit shown, 0 to 9.
	Label int
}

// Side is the width and height of a digit in pixels.
const Side = 28

// readIDX reads gzipped MNIST image and label files (IDX format) into
// digits. It checks the magic numbers, the sizes and the labels.
func readIDX(images, labels []byte) ([]digit, error) {
	pix, n, err := readImages(images)
	if err != nil {
		return nil, fmt.Errorf("read mnist images: %w", err)
	}
	lab, err := readLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("read mnist labels: %w", err)
	}
	if len(lab) != n {
		return nil, fmt.Errorf("read mnist: %d images but %d labels; use files of the same set", n, len(lab))
	}
	digits := make([]digit, n)
	for i := range digits {
		if lab[i] > 9 {
			return nil, fmt.Errorf("read mnist labels: label %d of image %d is not a digit", lab[i], i)
		}
		digits[i] = digit{Pix: pix[i*Side*Side : (i+1)*Side*Side : (i+1)*Side*Side], Label: int(lab[i])}
	}
	return digits, nil
}

func gunzip(data []byte, limit int64) ([]byte, error) {
	z, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer z.Close()
	out, err := io.ReadAll(io.LimitReader(z, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("more than %d bytes uncompressed", limit)
	}
	return out, nil
}

func readImages(gz []byte) (pix []byte, n int, err error) {
	data, err := gunzip(gz, 16+maxDigits*Side*Side)
	if err != nil {
		return nil, 0, err
	}
	if len(data) < 16 {
		return nil, 0, errors.New("file shorter than its 16-byte header")
	}
	magic := binary.BigEndian.Uint32(data[0:])
	count := binary.BigEndian.Uint32(data[4:])
	rows := binary.BigEndian.Uint32(data[8:])
	cols := binary.BigEndian.Uint32(data[12:])
	switch {
	case magic != idxImagesMagic:
		return nil, 0, fmt.Errorf("magic %#08x is not an IDX image file (%#08x)", magic, idxImagesMagic)
	case rows != Side || cols != Side:
		return nil, 0, fmt.Errorf("images are %dx%d; want %dx%d", cols, rows, Side, Side)
	case count > maxDigits:
		return nil, 0, fmt.Errorf("header claims %d images, more than %d", count, maxDigits)
	case len(data)-16 != int(count)*Side*Side:
		return nil, 0, fmt.Errorf("header claims %d images but the file holds %d bytes of pixels", count, len(data)-16)
	}
	return data[16:], int(count), nil
}

func readLabels(gz []byte) ([]byte, error) {
	data, err := gunzip(gz, 8+maxDigits)
	if err != nil {
		return nil, err
	}
	if len(data) < 8 {
		return nil, errors.New("file shorter than its 8-byte header")
	}
	magic := binary.BigEndian.Uint32(data[0:])
	count := binary.BigEndian.Uint32(data[4:])
	switch {
	case magic != idxLabelsMagic:
		return nil, fmt.Errorf("magic %#08x is not an IDX label file (%#08x)", magic, idxLabelsMagic)
	case uint64(len(data)-8) != uint64(count):
		return nil, fmt.Errorf("header claims %d labels but the file holds %d", count, len(data)-8)
	}
	return data[8:], nil
}
