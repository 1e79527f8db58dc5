//! tracer's recording format and reader (tracer/src/recording), compiled from their source:
//! tracer is a binary crate, and these files depend only on std, serde, crc32fast and nix.

#[path = "../../src/recording/format.rs"]
pub mod format;
#[path = "../../src/recording/reader.rs"]
pub mod reader;
#[path = "../../src/escape.rs"]
pub mod escape;
