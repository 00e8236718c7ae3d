//! What fleet tests and benchmarks need from the emulator (issue 11): ARM throttling
//! ([`throttling`]) and seeding many jobs ([`seeding`]).

mod seeding;
mod throttling;
