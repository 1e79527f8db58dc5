//! What tracer knows about the kernel's side of a call: the running kernel's symbols, the
//! functions it probes on a call's path, and the journey (`kernel_path`) built from both.

pub mod hops;
pub mod ksyms;
pub mod libc;
pub mod path;
