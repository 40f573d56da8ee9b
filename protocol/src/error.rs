//! The one error type of Vigil's SDKs, re-exported as `vigil_core::Error`. Bindings map it once
//! to their language's idiom, using [`Error::code`] as the stable, language-neutral name of each
//! failure. It lives here, beside the rules that raise most of it, because the codes are part of
//! the contract (docs/identity.md, tests/vectors) and the bindings match the rule failures and the
//! client's own (shut down, timeout) as one enum.

/// Every way a call into an SDK can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("user identifiers are empty")]
    EmptyIdentifiers,
    #[error("too many user identifiers: {count} pairs (at most {max})")]
    TooManyIdentifiers { count: usize, max: usize },
    #[error("identifier key {key:?} is {len} bytes long (at most {max})")]
    KeyTooLong { key: String, len: usize, max: usize },
    #[error("value of identifier {key:?} is {len} bytes long (at most {max})")]
    ValueTooLong { key: String, len: usize, max: usize },
    #[error("an identifier key is empty after trimming white space")]
    EmptyKey,
    #[error("value of identifier {key:?} is empty after trimming white space")]
    EmptyValue { key: String },
    #[error("identifier {key:?} contains a control character")]
    ControlCharacter { key: String },
    #[error("identifier keys {first:?} and {second:?} are the same after normalization")]
    DuplicateKey { first: String, second: String },
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },
    #[error("event name must be 1 to 128 bytes long (got {len})")]
    EventNameLength { len: usize },
    #[error("event name {name:?} uses the reserved prefix \"vigil.\"")]
    ReservedEventName { name: String },
    #[error("event name contains a control character")]
    EventNameControlCharacter,
    #[error("too many properties: {count} (at most {max})")]
    TooManyProperties { count: usize, max: usize },
    #[error("invalid property {key:?}: {reason}")]
    InvalidProperty { key: String, reason: &'static str },
    #[error("invalid timestamp: {reason}")]
    InvalidTimestamp { reason: &'static str },
    #[error("invalid IP address {value:?}")]
    InvalidIp { value: String },
    #[error("invalid challenge result {text:?} (expected requested, succeeded or failed)")]
    InvalidChallengeResult { text: String },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("a required argument is missing: {0}")]
    NullArgument(&'static str),
    #[error("the client is shut down")]
    ShutDown,
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
}

impl Error {
    /// A stable snake_case name for the failure, shared by every binding and the test vectors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyIdentifiers => "empty",
            Error::TooManyIdentifiers { .. } => "too_many_pairs",
            Error::KeyTooLong { .. } => "key_too_long",
            Error::ValueTooLong { .. } => "value_too_long",
            Error::EmptyKey => "empty_key",
            Error::EmptyValue { .. } => "empty_value",
            Error::ControlCharacter { .. } => "control_character",
            Error::DuplicateKey { .. } => "duplicate_key",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::EventNameLength { .. } => "event_name_length",
            Error::ReservedEventName { .. } => "reserved_event_name",
            Error::EventNameControlCharacter => "control_character",
            Error::TooManyProperties { .. } => "too_many_properties",
            Error::InvalidProperty { .. } => "invalid_property",
            Error::InvalidTimestamp { .. } => "invalid_timestamp",
            Error::InvalidIp { .. } => "invalid_ip",
            Error::InvalidChallengeResult { .. } => "invalid_challenge_result",
            Error::Config(_) => "config",
            Error::NullArgument(_) => "null_argument",
            Error::ShutDown => "shut_down",
            Error::Timeout(_) => "timeout",
        }
    }

    /// The family of the failure: each binding's exception class (identifier, event,
    /// configuration, client state) follows from it, so no binding lists the variants again.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::EmptyIdentifiers
            | Error::TooManyIdentifiers { .. }
            | Error::KeyTooLong { .. }
            | Error::ValueTooLong { .. }
            | Error::EmptyKey
            | Error::EmptyValue { .. }
            | Error::ControlCharacter { .. }
            | Error::DuplicateKey { .. }
            | Error::InvalidUtf8 { .. } => ErrorKind::Identifier,
            Error::EventNameLength { .. }
            | Error::ReservedEventName { .. }
            | Error::EventNameControlCharacter
            | Error::TooManyProperties { .. }
            | Error::InvalidProperty { .. }
            | Error::InvalidTimestamp { .. }
            | Error::InvalidIp { .. }
            | Error::InvalidChallengeResult { .. } => ErrorKind::Event,
            Error::Config(_) => ErrorKind::Config,
            Error::NullArgument(_) | Error::ShutDown | Error::Timeout(_) => ErrorKind::Client,
        }
    }

    /// True for errors caused by the caller's arguments (as opposed to the client's state).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, Error::Config(_) | Error::ShutDown | Error::Timeout(_))
    }
}

/// The families of [`Error`], as [`Error::kind`] sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user identifiers broke a rule of docs/identity.md.
    Identifier,
    /// An event's name, properties, timestamp, IP or challenge result is invalid.
    Event,
    /// The options, environment or `vigil.toml` are invalid.
    Config,
    /// The client's state: shut down, timed out, or a required argument missing.
    Client,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
