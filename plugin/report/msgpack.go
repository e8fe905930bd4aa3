package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// A small MessagePack decoder: the root module may not import a msgpack
// library, and the report needs only a few fields of each record.

// Limits that keep a corrupt or hostile input from allocating without bound.
const (
	maxMsgpackDepth = 32
	maxMsgpackStr   = 16 << 20 // longest string or bin kept in memory
	maxMsgpackItems = 1 << 20  // longest array or map decoded as a value
)

// ErrMsgpack marks input that is not well-formed MessagePack.
var ErrMsgpack = errors.New("malformed msgpack")

// Ext is a MessagePack extension value other than a timestamp.
type Ext struct {
	Type int8
	Data []byte
}

type msgpackDecoder struct {
	r *bufio.Reader
}

func (d *msgpackDecoder) byte() (byte, error) {
	return d.r.ReadByte()
}

func (d *msgpackDecoder) uint(n int) (uint64, error) {
	var buf [8]byte
	if _, err := io.ReadFull(d.r, buf[:n]); err != nil {
		return 0, unexpected(err)
	}
	switch n {
	case 1:
		return uint64(buf[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(buf[:2])), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(buf[:4])), nil
	default:
		return binary.BigEndian.Uint64(buf[:8]), nil
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// kind of a MessagePack value, from its first byte.
type kind int

const (
	kindNil kind = iota
	kindBool
	kindInt
	kindUint
	kindFloat
	kindStr
	kindBin
	kindArray
	kindMap
	kindExt
)

// head reads a value's first byte and length: the payload byte count for
// str, bin and ext (with the ext type), the item count for array and map,
// the value itself for ints and bools (floats as bits).
type head struct {
	kind    kind
	n       uint64
	i       int64
	extType int8
	float32 bool
}

func (d *msgpackDecoder) head() (head, error) {
	c, err := d.byte()
	if err != nil {
		return head{}, err
	}
	switch {
	case c <= 0x7f:
		return head{kind: kindUint, n: uint64(c)}, nil
	case c >= 0xe0:
		return head{kind: kindInt, i: int64(int8(c))}, nil
	case c&0xf0 == 0x80:
		return head{kind: kindMap, n: uint64(c & 0x0f)}, nil
	case c&0xf0 == 0x90:
		return head{kind: kindArray, n: uint64(c & 0x0f)}, nil
	case c&0xe0 == 0xa0:
		return head{kind: kindStr, n: uint64(c & 0x1f)}, nil
	}
	sized := func(k kind, width int) (head, error) {
		n, err := d.uint(width)
		return head{kind: k, n: n}, err
	}
	switch c {
	case 0xc0:
		return head{kind: kindNil}, nil
	case 0xc2, 0xc3:
		return head{kind: kindBool, n: uint64(c & 1)}, nil
	case 0xc4:
		return sized(kindBin, 1)
	case 0xc5:
		return sized(kindBin, 2)
	case 0xc6:
		return sized(kindBin, 4)
	case 0xc7, 0xc8, 0xc9:
		h, err := sized(kindExt, 1<<(c-0xc7))
		if err != nil {
			return h, err
		}
		t, err := d.byte()
		h.extType = int8(t)
		return h, unexpected(err)
	case 0xca:
		h, err := sized(kindFloat, 4)
		h.float32 = true
		return h, err
	case 0xcb:
		return sized(kindFloat, 8)
	case 0xcc, 0xcd, 0xce, 0xcf:
		return sized(kindUint, 1<<(c-0xcc))
	case 0xd0, 0xd1, 0xd2, 0xd3:
		width := 1 << (c - 0xd0)
		u, err := d.uint(width)
		shift := 64 - 8*width
		return head{kind: kindInt, i: int64(u<<shift) >> shift}, err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		t, err := d.byte()
		return head{kind: kindExt, n: 1 << (c - 0xd4), extType: int8(t)}, unexpected(err)
	case 0xd9:
		return sized(kindStr, 1)
	case 0xda:
		return sized(kindStr, 2)
	case 0xdb:
		return sized(kindStr, 4)
	case 0xdc:
		return sized(kindArray, 2)
	case 0xdd:
		return sized(kindArray, 4)
	case 0xde:
		return sized(kindMap, 2)
	case 0xdf:
		return sized(kindMap, 4)
	}
	return head{}, fmt.Errorf("%w: reserved byte 0x%02x", ErrMsgpack, c)
}

func (d *msgpackDecoder) bytes(n uint64) ([]byte, error) {
	if n > maxMsgpackStr {
		return nil, fmt.Errorf("%w: %d-byte string over the %d limit", ErrMsgpack, n, maxMsgpackStr)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(d.r, b)
	return b, unexpected(err)
}

// skip discards the rest of a value whose head was read, without keeping
// its payload, so raw request and response fields cost no memory.
func (d *msgpackDecoder) skip(h head, depth int) error {
	if depth > maxMsgpackDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrMsgpack, maxMsgpackDepth)
	}
	switch h.kind {
	case kindStr, kindBin, kindExt:
		for n := h.n; n > 0; {
			step := min(n, 1<<30)
			if _, err := d.r.Discard(int(step)); err != nil {
				return unexpected(err)
			}
			n -= step
		}
		return nil
	case kindArray, kindMap:
		items := h.n
		if h.kind == kindMap {
			items *= 2
		}
		for ; items > 0; items-- {
			sub, err := d.head()
			if err != nil {
				return unexpected(err)
			}
			if err := d.skip(sub, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// value decodes the rest of a value whose head was read: nil, bool, int64,
// uint64, float64, string, []byte, []any, map[string]any (other keys are
// formatted with %v), time.Time for the timestamp extension, Ext otherwise.
func (d *msgpackDecoder) value(h head, depth int) (any, error) {
	if depth > maxMsgpackDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrMsgpack, maxMsgpackDepth)
	}
	switch h.kind {
	case kindNil:
		return nil, nil
	case kindBool:
		return h.n == 1, nil
	case kindInt:
		return h.i, nil
	case kindUint:
		return h.n, nil
	case kindFloat:
		if h.float32 {
			return float64(math.Float32frombits(uint32(h.n))), nil
		}
		return math.Float64frombits(h.n), nil
	case kindStr:
		b, err := d.bytes(h.n)
		return string(b), err
	case kindBin:
		return d.bytes(h.n)
	case kindExt:
		b, err := d.bytes(h.n)
		if err != nil {
			return nil, err
		}
		if h.extType == -1 {
			return timestampExt(b)
		}
		return Ext{Type: h.extType, Data: b}, nil
	case kindArray:
		if h.n > maxMsgpackItems {
			return nil, fmt.Errorf("%w: %d-item array over the limit", ErrMsgpack, h.n)
		}
		out := make([]any, 0, min(h.n, 64))
		for i := uint64(0); i < h.n; i++ {
			sub, err := d.head()
			if err != nil {
				return nil, unexpected(err)
			}
			v, err := d.value(sub, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	default: // map
		if h.n > maxMsgpackItems {
			return nil, fmt.Errorf("%w: %d-entry map over the limit", ErrMsgpack, h.n)
		}
		out := make(map[string]any, min(h.n, 64))
		for i := uint64(0); i < h.n; i++ {
			kh, err := d.head()
			if err != nil {
				return nil, unexpected(err)
			}
			k, err := d.value(kh, depth+1)
			if err != nil {
				return nil, err
			}
			vh, err := d.head()
			if err != nil {
				return nil, unexpected(err)
			}
			v, err := d.value(vh, depth+1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprintf("%v", k)
			}
			out[ks] = v
		}
		return out, nil
	}
}

// timestampExt decodes the MessagePack timestamp extension (type -1).
func timestampExt(b []byte) (time.Time, error) {
	switch len(b) {
	case 4:
		return time.Unix(int64(binary.BigEndian.Uint32(b)), 0).UTC(), nil
	case 8:
		v := binary.BigEndian.Uint64(b)
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)).UTC(), nil
	case 12:
		nsec := binary.BigEndian.Uint32(b[:4])
		sec := int64(binary.BigEndian.Uint64(b[4:]))
		return time.Unix(sec, int64(nsec)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %d-byte timestamp", ErrMsgpack, len(b))
}

// DecodeMsgpack decodes one value from r (for tests and fuzzing).
func DecodeMsgpack(r *bufio.Reader) (any, error) {
	d := msgpackDecoder{r: r}
	h, err := d.head()
	if err != nil {
		return nil, err
	}
	return d.value(h, 0)
}
