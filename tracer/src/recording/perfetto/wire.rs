//! The packets every call makes (its slice's begin with the arguments, its end, a counter
//! sample) written straight into the output buffer with prost's encoding primitives, instead
//! of built as prost messages and encoded: a message tree per call cost an allocation per
//! annotation and, for every nested message, its length computed once per level above it
//! (prost's `encoded_len` walks the whole subtree at each level). The field numbers are the
//! vendored `perfetto.proto`'s (beside this file); the unit tests read what is written back
//! with the generated types (`tests.rs`), and the integration test with Perfetto's published
//! schema (`tests/perfetto_check.py`).
//!
//! A nested message is opened with a one-byte length and closed by writing its length there;
//! a longer one (128 bytes or more) has its content moved up by the bytes its length needs, so
//! every length is the minimal varint, byte for byte what prost writes.

use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};

/// `v` as a varint: one byte, as it is, when it is below 0x80 (most of what a packet holds:
/// field keys, interned ids, small numbers), else prost's encoder.
#[inline]
fn uvarint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else {
        encode_varint(v, out);
    }
}

/// A field's key: prost's, or, for the fields below 16, its one byte, written as it is.
#[inline]
fn key(out: &mut Vec<u8>, tag: u32, wt: WireType) {
    if tag < 16 {
        out.push(((tag << 3) | wt as u32) as u8);
    } else {
        encode_key(tag, wt, out);
    }
}

/// A nested message being written: where its content starts.
#[must_use = "a nested message must be closed with `end`"]
pub struct Nest(usize);

pub fn varint(out: &mut Vec<u8>, tag: u32, v: u64) {
    key(out, tag, WireType::Varint);
    uvarint(out, v);
}

/// An `int64` field: the value's two's complement, as protobuf writes negative numbers.
pub fn int64(out: &mut Vec<u8>, tag: u32, v: i64) {
    varint(out, tag, v as u64);
}

pub fn boolean(out: &mut Vec<u8>, tag: u32, v: bool) {
    varint(out, tag, u64::from(v));
}

pub fn fixed64(out: &mut Vec<u8>, tag: u32, v: u64) {
    key(out, tag, WireType::SixtyFourBit);
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn double(out: &mut Vec<u8>, tag: u32, v: f64) {
    key(out, tag, WireType::SixtyFourBit);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A `string` or `bytes` field.
pub fn bytes(out: &mut Vec<u8>, tag: u32, v: &[u8]) {
    key(out, tag, WireType::LengthDelimited);
    uvarint(out, v.len() as u64);
    out.extend_from_slice(v);
}

pub fn begin(out: &mut Vec<u8>, tag: u32) -> Nest {
    key(out, tag, WireType::LengthDelimited);
    out.push(0);
    Nest(out.len())
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "taken by value so that a nested message is closed once"
)]
pub fn end(out: &mut Vec<u8>, n: Nest) {
    let start = n.0;
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
        return;
    }
    let extra = encoded_len_varint(len as u64) - 1;
    let old = out.len();
    out.resize(old + extra, 0);
    out.copy_within(start..old, start + extra);
    let mut head = &mut out[start - 1..start + extra];
    encode_varint(len as u64, &mut head);
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Messages nested three deep with contents around every length boundary of the varint
    /// (127/128, 16383/16384 bytes) read back with prost as written.
    #[test]
    fn nested_lengths_are_minimal_varints_prost_reads() {
        use crate::recording::perfetto::proto::DebugAnnotation;
        use crate::recording::perfetto::proto::debug_annotation::{NameField, Value};
        for len in [
            0usize, 1, 120, 124, 125, 126, 127, 128, 200, 16_370, 16_383, 16_384, 70_000,
        ] {
            let s = "x".repeat(len);
            let mut out = Vec::new();
            let outer = begin(&mut out, 1);
            varint(&mut out, 1, 7);
            let inner = begin(&mut out, 11);
            bytes(&mut out, 6, s.as_bytes());
            end(&mut out, inner);
            int64(&mut out, 4, -3);
            end(&mut out, outer);
            let want = DebugAnnotation {
                name_field: Some(NameField::NameIid(7)),
                value: Some(Value::IntValue(-3)),
                dict_entries: vec![DebugAnnotation {
                    value: Some(Value::StringValue(s)),
                    ..DebugAnnotation::default()
                }],
                ..DebugAnnotation::default()
            };
            let mut prost_bytes = Vec::new();
            encode_key(1, WireType::LengthDelimited, &mut prost_bytes);
            want.encode_length_delimited(&mut prost_bytes).unwrap();
            assert_eq!(out.len(), prost_bytes.len(), "length {len}");
            // Field order differs (prost writes by tag); the content reads back the same.
            let mut cut = &out[1..];
            let got = DebugAnnotation::decode_length_delimited(&mut cut).unwrap();
            assert!(cut.is_empty());
            assert_eq!(got, want, "length {len}");
        }
    }
}
