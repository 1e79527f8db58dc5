//! Recordings in tracer's native format (docs/trace-format.md, "Native recordings"): what the
//! kernel sent, framed and checksummed as it arrived, replayed later without root through the
//! same decoder and joiner as a live trace, and exported to JSON Lines, text, Perfetto's protobuf format and Chrome's JSON.

pub mod chrome_json;
pub mod flows;
pub mod format;
pub mod header;
pub mod hop_slices;
pub mod perfetto;
pub mod reader;
pub mod remap;
pub mod replay;
pub mod writer;

#[cfg(test)]
mod codec_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
pub(crate) mod testdata;
