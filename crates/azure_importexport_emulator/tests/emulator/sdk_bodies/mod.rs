//! The official SDKs against the emulator: the bodies the Python and JavaScript SDKs put
//! on the wire (fixtures written from their documented model defaults, in
//! `tests/fixtures/`) drive the everyday flows ([`flows`]), and the answers have the
//! shape of the spec's examples ([`differential`]).

mod arm_answers;
mod differential;
mod fixtures;
mod flows;
mod shape;
