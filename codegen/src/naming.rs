//! Turning wire names into Rust identifiers, strictly: a name that cannot be mapped
//! unambiguously is an error that asks for an `x-ms-client-name` or a config rename,
//! never a silently mangled identifier.

use heck::{ToPascalCase, ToSnakeCase};

/// Rust keywords (strict, reserved and weak ones that cannot be field names).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// snake_case field name for a model property; `Err` explains why it cannot be mapped.
///
/// Accepted: ASCII camelCase / PascalCase / snake_case starting with a letter.
pub fn property_ident(wire: &str) -> Result<String, String> {
    let valid_shape = wire.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && wire.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_shape {
        return Err(format!(
            "property name `{wire}` is not a valid Rust identifier; give it an `x-ms-client-name` or a rename in the codegen config"
        ));
    }
    checked_snake(wire)
}

/// snake_case for a parameter: header and query names may carry `-` and a leading `$`.
pub fn param_ident(wire: &str) -> Result<String, String> {
    let trimmed = wire.trim_start_matches('$');
    let valid_shape = trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_shape {
        return Err(format!(
            "parameter name `{wire}` is not a valid Rust identifier; give it an `x-ms-client-name`"
        ));
    }
    checked_snake(trimmed)
}

/// snake_case of a name given by `x-ms-client-name` or a config rename.
pub fn client_name_ident(name: &str) -> Result<String, String> {
    property_ident(name)
}

fn checked_snake(wire: &str) -> Result<String, String> {
    let snake = wire.to_snake_case();
    if is_keyword(&snake) {
        return Err(format!(
            "name `{wire}` maps to the Rust keyword `{snake}`; give it an `x-ms-client-name` or a rename in the codegen config"
        ));
    }
    Ok(snake)
}

/// PascalCase type name; `Err` if it cannot start a Rust type name.
pub fn type_ident(name: &str) -> Result<String, String> {
    let pascal = name.to_pascal_case();
    if pascal
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && pascal.chars().all(|c| c.is_ascii_alphanumeric())
        && !is_keyword(&pascal)
    {
        Ok(pascal)
    } else {
        Err(format!("`{name}` cannot be turned into a Rust type name"))
    }
}

/// Enum variant for a wire value (`MicrosoftManaged`, `Completed`, `user-assigned` -> `UserAssigned`).
pub fn variant_ident(value: &str) -> Result<String, String> {
    let pascal = value.to_pascal_case();
    if pascal
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && pascal.chars().all(|c| c.is_ascii_alphanumeric())
        && pascal != "Self"
    {
        Ok(pascal)
    } else {
        Err(format!(
            "enum value `{value}` cannot be turned into a Rust variant name"
        ))
    }
}

/// snake_case method name from the part of an operationId after `_`.
pub fn method_ident(name: &str) -> Result<String, String> {
    let snake = name.to_snake_case();
    if snake.is_empty()
        || !snake
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return Err(format!(
            "operation name `{name}` cannot be a Rust method name"
        ));
    }
    if is_keyword(&snake) {
        return Err(format!(
            "operation name `{name}` maps to the keyword `{snake}`"
        ));
    }
    Ok(snake)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_map_to_snake_case() {
        assert_eq!(property_ident("bitLockerKey").unwrap(), "bit_locker_key");
        assert_eq!(
            property_ident("kekVaultResourceID").unwrap(),
            "kek_vault_resource_id"
        );
        assert_eq!(
            property_ident("storageAccountId").unwrap(),
            "storage_account_id"
        );
    }

    #[test]
    fn invalid_property_names_are_errors() {
        for bad in ["type", "self", "3d", "a-b", "", "ü"] {
            let err = property_ident(bad).unwrap_err();
            assert!(err.contains("x-ms-client-name"), "{bad}: {err}");
        }
    }

    #[test]
    fn parameters_allow_dashes_and_dollar() {
        assert_eq!(param_ident("$top").unwrap(), "top");
        assert_eq!(
            param_ident("x-ms-client-tenant-id").unwrap(),
            "x_ms_client_tenant_id"
        );
        assert_eq!(param_ident("Accept-Language").unwrap(), "accept_language");
        assert!(param_ident("3d").is_err());
    }

    #[test]
    fn variants_and_types() {
        assert_eq!(
            variant_ident("MicrosoftManaged").unwrap(),
            "MicrosoftManaged"
        );
        assert_eq!(variant_ident("user-assigned").unwrap(), "UserAssigned");
        assert!(variant_ident("2x").is_err());
        assert_eq!(type_ident("createdByType").unwrap(), "CreatedByType");
    }
}
