//! tracer's recording format and reader (tracer/src/recording), compiled from their source:
//! tracer is a binary crate, and these two files depend only on std, serde and crc32fast.

#[path = "../../src/recording/format.rs"]
pub mod format;
#[path = "../../src/recording/reader.rs"]
pub mod reader;
