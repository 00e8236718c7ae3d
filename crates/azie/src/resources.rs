//! `azie bitlocker-keys` and `azie locations`.

use crate::cli::{GlobalArgs, LocationsCommand, OutputFormat};
use crate::context;
use crate::exit::{self, CliError};
use crate::output::{self, MASK, Table};
use azure_importexport::rest::runtime::ServiceErrorExt as _;
use serde_json::{Value, json};

pub async fn bitlocker_keys(
    global: &GlobalArgs,
    resource_group: &str,
    name: &str,
    show_secrets: bool,
) -> Result<(), CliError> {
    let client = context::client(global)?;
    let keys = client.job(resource_group, name).bitlocker_keys().await?;
    let shown = |key: &Option<String>| match key {
        Some(key) if show_secrets => key.clone(),
        Some(_) => MASK.to_owned(),
        None => String::new(),
    };
    match global.output {
        OutputFormat::Json => {
            let values: Vec<Value> = keys
                .iter()
                .map(|k| json!({ "driveId": k.drive_id, "bitLockerKey": shown(&k.bit_locker_key) }))
                .collect();
            output::print_json(&Value::Array(values))?;
        }
        OutputFormat::Table => {
            let mut table = Table::new(&["DRIVE ID", "BITLOCKER KEY"]);
            for key in &keys {
                table.row(vec![
                    key.drive_id.clone().unwrap_or_default(),
                    shown(&key.bit_locker_key),
                ]);
            }
            table.print()?;
        }
    }
    Ok(())
}

pub async fn locations(global: &GlobalArgs, command: LocationsCommand) -> Result<(), CliError> {
    let client = context::client_without_subscription(global)?;
    let locations = client.rest().locations();
    let values: Vec<Value> = match command {
        LocationsCommand::List => {
            let page = locations.list(None).await.map_err(service_error)?;
            let body = page
                .into_model()
                .map_err(|e| CliError::other(e.to_string()))?;
            body.value
                .unwrap_or_default()
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?
        }
        LocationsCommand::Show { name } => {
            let location = locations.get(&name, None).await.map_err(service_error)?;
            let body = location
                .into_model()
                .map_err(|e| CliError::other(e.to_string()))?;
            if global.output == OutputFormat::Json {
                return Ok(output::print_json(&serde_json::to_value(&body)?)?);
            }
            vec![serde_json::to_value(&body)?]
        }
    };
    match global.output {
        OutputFormat::Json => output::print_json(&Value::Array(values))?,
        OutputFormat::Table => {
            let mut table = Table::new(&["NAME", "CITY", "COUNTRY", "CARRIERS"]);
            for location in &values {
                let carriers = location
                    .pointer("/properties/supportedCarriers")
                    .and_then(Value::as_array)
                    .map(|c| {
                        c.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                table.row(vec![
                    output::text_at(location, "/name"),
                    output::text_at(location, "/properties/city"),
                    output::text_at(location, "/properties/countryOrRegion"),
                    carriers,
                ]);
            }
            table.print()?;
        }
    }
    Ok(())
}

/// Maps a low-level client error: 404 -> exit 4, other service answers and failures -> 1.
fn service_error(error: azure_core::Error) -> CliError {
    match error.service_error() {
        Some(service) if u16::from(service.status) == 404 => CliError {
            code: exit::NOT_FOUND,
            message: error.to_string(),
        },
        _ => CliError::other(error.to_string()),
    }
}
