//! Enumerations stored as `TEXT` columns: one macro gives each its stored spelling, parsing
//! back from a row (a value outside the set is [`crate::StoreError::Corrupt`]), `Display` and
//! serde in the same spelling.

/// Declares a public enum whose variants are stored as the given lower-case words.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and serialised) spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored spelling.
            pub fn parse(value: &str) -> Option<$name> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The allowed spellings, comma-separated (for error messages).
            pub fn allowed() -> String {
                [$($text),+].join(", ")
            }

            /// Reads a column value, naming the record when the value is unknown.
            #[allow(dead_code)]
            pub(crate) fn from_column(value: &str, record: &str) -> $crate::Result<$name> {
                $name::parse(value).ok_or_else(|| {
                    $crate::StoreError::Corrupt(format!(
                        "{record} has {} {value:?}",
                        stringify!($name)
                    ))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(value: &str) -> Result<$name, String> {
                $name::parse(value).ok_or_else(|| {
                    format!("{value:?} is not allowed; use one of: {}", $name::allowed())
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;
