//! The examples at the end of each command's `--help` (clap `after_help`). A unit test
//! in `cli.rs` checks that every command has some.

/// `azie --help`: credentials, logging and exit codes, then a first session.
pub const ROOT: &str = "\
Credentials, first match wins:
  1. AZURE_IMPORTEXPORT_TOKEN             a bearer token obtained elsewhere
  2. AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET   a service principal
  3. AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_FEDERATED_TOKEN_FILE   workload identity
  4. --identity [--identity-client-id ID]   the machine's managed identity
  5. the developer tools: Azure CLI (`az login`), then Azure Developer CLI (`azd auth login`)
  --verbose says which one is used; AZURE_AUTHORITY_HOST or --cloud sets the sign-in authority.

Exit codes: 0 success, 2 usage error (nothing sent), 3 refused by the job's state,
4 job not found, 5 gave up after retries or a timeout, 1 any other error.

Examples:
  azie --subscription $SUB jobs list
  azie jobs create my-rg my-job --file job.json
  azie jobs update my-rg my-job --state Shipping --carrier-name FedEx --tracking-number 123456
  azie --cloud AzureUSGovernment --identity jobs show my-rg my-job
  azie --debug jobs show my-rg my-job 2> wire.log
  azie demo";

/// `azie jobs --help`.
pub const JOBS: &str = "\
Examples:
  azie jobs list --resource-group my-rg
  azie jobs create my-rg my-job --file job.json
  azie jobs update my-rg my-job --state Shipping --carrier-name FedEx --tracking-number 123456
  azie jobs wait my-rg my-job --state Completed --timeout 30m
  azie jobs cancel my-rg my-job --wait
  azie jobs delete my-rg my-job --archive-dir ./archive --yes
  azie jobs archive --all --archive-dir ./archive
  azie jobs delete --state Completed --older-than 60d --archive-dir ./archive";

/// `azie jobs list --help`.
pub const JOBS_LIST: &str = "\
Examples:
  azie jobs list
  azie jobs list --resource-group my-rg -o json
  azie jobs list --filter \"state eq 'Shipping'\" --top 50";

/// `azie jobs show --help`.
pub const JOBS_SHOW: &str = "\
Examples:
  azie jobs show my-rg my-job
  azie jobs show my-rg my-job -o json   # secrets (carrier account, BitLocker keys) as ***";

/// `azie jobs create --help`.
pub const JOBS_CREATE: &str = "\
A minimal import job (job.json):
  {\"location\": \"West US\",
   \"properties\": {
     \"jobType\": \"Import\",
     \"storageAccountId\": \"/subscriptions/SUB/resourceGroups/my-rg/providers/Microsoft.Storage/storageAccounts/mysa\",
     \"returnAddress\": {\"recipientName\": \"Ana\", \"streetAddress1\": \"1 Main St\", \"city\": \"Lakeview\",
                       \"postalCode\": \"98000\", \"countryOrRegion\": \"USA\", \"phone\": \"555-0100\",
                       \"email\": \"ana@example.com\"},
     \"returnShipping\": {\"carrierName\": \"FedEx\", \"carrierAccountNumber\": \"123456789\"},
     \"driveList\": [{\"driveId\": \"DRV0017B\", \"bitLockerKey\": \"...\", \"manifestFile\": \"\\\\disk-manifest.xml\",
                     \"manifestHash\": \"...\"}]}}

Examples:
  azie jobs create my-rg my-job --file job.json
  azie jobs create my-rg my-job --file job.json -o json";

/// `azie jobs update --help`.
pub const JOBS_UPDATE: &str = "\
Examples:
  # The drives are on their way:
  azie jobs update my-rg my-job --state Shipping --carrier-name FedEx --tracking-number 123456 \\
      --drive-count 1 --ship-date 2024-05-01
  # Tags (the job's tags become exactly these):
  azie jobs update my-rg my-job --tag team=archive --tag costcenter=42
  # Anything else UpdateJobParameters has, e.g. a new return address:
  azie jobs update my-rg my-job --file patch.json";

/// What a fleet run prints and how it exits: one text for the three fleet commands.
macro_rules! fleet_run_text {
    () => {
        "\
Fleet runs: the plan (table; on stderr with -o json) lists each selected job with what
will be done or why it is skipped; a progress bar runs on stderr; the report ends the
run (with -o json one document: {\"done\", \"skipped\", \"failed\", \"summary\"};
--dry-run prints {\"toDo\", \"skipped\"}). Ctrl-C lets the requests in flight finish,
prints the report so far (jobs not started are skipped: notStarted) and exits 130; a
second Ctrl-C quits at once. Running the same command again finishes the work.

Fleet exit codes: 0 when no job failed (skipped jobs are not failures); when jobs
failed, the code of their failure (3 refused by state, 4 not found, 5 gave up, 1 other),
or 1 when they failed in different ways; 130 when interrupted; 2 usage error (nothing
sent, e.g. no selector and no --all, or no --yes off a terminal).

"
    };
}

/// `azie jobs cancel --help`.
pub const JOBS_CANCEL: &str = concat!(
    fleet_run_text!(),
    "\
Examples:
  azie jobs cancel my-rg my-job
  azie jobs cancel my-rg my-job --wait --timeout 2h -o json
  azie jobs cancel my-rg my-job --max-attempts 3
  azie jobs cancel --resource-group my-rg --name-prefix migration- --dry-run
  azie jobs cancel --state Creating --state Shipping --yes -o json"
);

/// `azie jobs wait --help`.
pub const JOBS_WAIT: &str = "\
Examples:
  azie jobs wait my-rg my-job --state Received --timeout 14d
  azie jobs wait my-rg my-job --state Completed --timeout 30m -o json";

/// `azie jobs delete --help`.
pub const JOBS_DELETE: &str = concat!(
    fleet_run_text!(),
    "\
Examples:
  azie jobs delete my-rg my-job                       # asks first
  azie jobs delete my-rg my-job --archive-dir ./archive --yes
  azie jobs delete my-rg my-job --cancel-first --timeout 2h --yes
  # every Completed job older than 60 days, each archived first:
  azie jobs delete --state Completed --older-than 60d --archive-dir ./archive
  azie jobs delete --all --archive-dir ./archive --redact-personal-data --dry-run
  azie jobs delete --tag project=pilot --no-archive --yes -o json"
);

/// `azie jobs archive --help`.
pub const JOBS_ARCHIVE: &str = concat!(
    fleet_run_text!(),
    "\
Examples:
  # every job of the subscription (daily: only changed jobs are written):
  azie jobs archive --all --archive-dir ./archive
  # without personal data:
  azie jobs archive --all --archive-dir ./archive-redacted --redact-personal-data
  azie jobs archive --resource-group my-rg --state Completed --archive-dir ./archive -o json"
);

/// `azie bitlocker-keys --help`.
pub const BITLOCKER_KEYS: &str = "\
Examples:
  azie bitlocker-keys my-rg my-job
  azie bitlocker-keys my-rg my-job --show-secrets -o json";

/// `azie locations --help`.
pub const LOCATIONS: &str = "\
Examples:
  azie locations list
  azie locations show westus -o json";

/// `azie locations list --help`.
pub const LOCATIONS_LIST: &str = "\
Examples:
  azie locations list
  azie locations list -o json";

/// `azie locations show --help`.
pub const LOCATIONS_SHOW: &str = "\
Examples:
  azie locations show westus
  azie locations show \"West US\" -o json";

/// `azie emulator --help`.
#[cfg(feature = "emulator")]
pub const EMULATOR: &str = "\
Examples:
  azie emulator --port 8080 --speed 1h
  # then, in another terminal:
  AZURE_IMPORTEXPORT_TOKEN=any azie --endpoint http://127.0.0.1:8080 --subscription 00000000-0000-0000-0000-000000000000 jobs list";

/// `azie demo --help`.
#[cfg(feature = "emulator")]
pub const DEMO: &str = "\
Examples:
  azie demo
  azie demo -o json > summary.json";

/// `azie completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  azie completions bash > ~/.local/share/bash-completion/completions/azie
  azie completions zsh > \"${fpath[1]}/_azie\"
  azie completions fish > ~/.config/fish/completions/azie.fish
  azie completions powershell >> $PROFILE";
