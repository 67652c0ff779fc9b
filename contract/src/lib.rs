//! mcpgen-contract: the facts the generator writes and the runtime reads, defined once.
//!
//! The generator plans a connector and writes a tool table; the runtime serves it. Whatever both
//! must agree on lives here: the HTTP vocabulary of a request plan ([`Method`], [`Location`],
//! [`Style`]), how a media type is classified ([`media`]), the name of every environment
//! variable a connector reads ([`env`]), the tools of catalog mode ([`catalog`]), and what a
//! request may never carry ([`wire`]: transport headers, dot segments). With the `tokens`
//! feature the vocabulary also turns into Rust tokens, for the generator's emitter.

pub mod catalog;
pub mod env;
pub mod media;
mod vocabulary;
pub mod wire;

#[cfg(feature = "tokens")]
mod tokens;

pub use vocabulary::{ArrayEncoding, FileContent, Listing, Location, Method, Style};
