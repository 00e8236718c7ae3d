//! `azie bitlocker-keys` and `azie locations`.

use crate::cli::{GlobalArgs, LocationsCommand, OutputFormat};
use crate::context;
use crate::exit::CliError;
use crate::output::{self, MASK, Table};
use serde_json::{Value, json};

pub async fn bitlocker_keys(
    global: &GlobalArgs,
    resource_group: &str,
    name: &str,
    show_secrets: bool,
) -> Result<(), CliError> {
    let client = context::client(global)?;
    let keys = client
        .job(resource_group, name)
        .bitlocker_keys(None)
        .await?;
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

/// Both go through the SDK's retry engine (the generated client alone does not retry).
pub async fn locations(global: &GlobalArgs, command: LocationsCommand) -> Result<(), CliError> {
    let client = context::client_without_subscription(global)?;
    let values: Vec<Value> = match command {
        LocationsCommand::List => client
            .list_locations(None)
            .await?
            .iter()
            .map(output::to_json)
            .collect::<Result<_, _>>()?,
        LocationsCommand::Show { name } => {
            let location = output::to_json(&client.get_location(&name, None).await?)?;
            if global.output == OutputFormat::Json {
                return output::print_json(&location);
            }
            vec![location]
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
