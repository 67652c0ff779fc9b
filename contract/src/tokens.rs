//! The vocabulary as Rust tokens (`Method::Get`), for a generated tool table that imports the
//! runtime's `table::*`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::{ArrayEncoding, FileContent, Listing, Location, Method, Style};

impl ToTokens for Method {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            Method::Get => quote!(Method::Get),
            Method::Put => quote!(Method::Put),
            Method::Post => quote!(Method::Post),
            Method::Delete => quote!(Method::Delete),
            Method::Options => quote!(Method::Options),
            Method::Head => quote!(Method::Head),
            Method::Patch => quote!(Method::Patch),
            Method::Trace => quote!(Method::Trace),
        });
    }
}

impl ToTokens for Location {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            Location::Path => quote!(Location::Path),
            Location::Query => quote!(Location::Query),
            Location::Header => quote!(Location::Header),
            Location::Cookie => quote!(Location::Cookie),
        });
    }
}

impl ToTokens for Style {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            Style::Simple => quote!(Style::Simple),
            Style::Label => quote!(Style::Label),
            Style::Matrix => quote!(Style::Matrix),
            Style::Form => quote!(Style::Form),
            Style::SpaceDelimited => quote!(Style::SpaceDelimited),
            Style::PipeDelimited => quote!(Style::PipeDelimited),
            Style::DeepObject => quote!(Style::DeepObject),
        });
    }
}

impl ToTokens for ArrayEncoding {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            ArrayEncoding::Indexed => quote!(ArrayEncoding::Indexed),
            ArrayEncoding::Brackets => quote!(ArrayEncoding::Brackets),
            ArrayEncoding::Repeated => quote!(ArrayEncoding::Repeated),
        });
    }
}

impl ToTokens for FileContent {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            FileContent::Base64 => quote!(FileContent::Base64),
            FileContent::Text => quote!(FileContent::Text),
        });
    }
}

impl ToTokens for Listing {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            Listing::Full => quote!(Listing::Full),
            Listing::Catalog => quote!(Listing::Catalog),
        });
    }
}
