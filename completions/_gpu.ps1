
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'gpu' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'gpu'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'gpu' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'List GPU offers from every cloud, ranked by price per GPU-hour')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Rent the cheapest matching GPU (or the offer you name) and record it in the ledger')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Release instances and confirm with the provider that they are gone')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the instances this tool launched, on every provider, with what they cost so far')
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Open an SSH session to an instance, or run a command on it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Rent a GPU, run a command on it, release it: one command from offer to result')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Keep asking, and report offers that newly match or change price')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Lowest and median prices per provider and day, from every live answer seen')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'Show every provider: configured or not, live or catalog-only, what it can do')
            [CompletionResult]::new('gpus', 'gpus', [CompletionResultType]::ParameterValue, 'List the GPU names `--gpu` knows, with memory and the data-sheet figures `--sort value` uses')
            [CompletionResult]::new('catalog', 'catalog', [CompletionResultType]::ParameterValue, 'The price catalog used for offline answers')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect the configuration')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve GPU finding and renting to AI agents over MCP (stdio), within the `[agent]` limits')
            [CompletionResult]::new('sweeper', 'sweeper', [CompletionResultType]::ParameterValue, 'Put `gpu down --expired --yes` on a scheduler, so deadlines fire with no machine of yours')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Checks that rent: whether a deadline ends an instance with no sweeper running')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), as shipped in `man/gpu.1`; `--dir` writes one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;find' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Exactly N GPUs per instance')
            [CompletionResult]::new('--min-gpus', '--min-gpus', [CompletionResultType]::ParameterName, 'At least N GPUs per instance')
            [CompletionResult]::new('--min-vram', '--min-vram', [CompletionResultType]::ParameterName, 'At least this much memory per GPU, in GB')
            [CompletionResult]::new('--max-price', '--max-price', [CompletionResultType]::ParameterName, 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Highest price of the whole instance per hour, in US dollars')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of a provider''s region name (us-east, FIN-01); repeat or comma-separate')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers (repeat or comma-separate); see `gpu providers`')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the results')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most N offers (tables show 30 unless told otherwise)')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Only these fields, in this order, for the table, CSV and TSV (JSON names, e.g. `provider,offer_id,price_per_hour_usd`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each provider [default: 10, or `timeout` in the config]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--h100', '--h100', [CompletionResultType]::ParameterName, 'Same as `--gpu h100`')
            [CompletionResult]::new('--h200', '--h200', [CompletionResultType]::ParameterName, 'Same as `--gpu h200`')
            [CompletionResult]::new('--b200', '--b200', [CompletionResultType]::ParameterName, 'Same as `--gpu b200`')
            [CompletionResult]::new('--a100', '--a100', [CompletionResultType]::ParameterName, 'Same as `--gpu a100`')
            [CompletionResult]::new('--l40s', '--l40s', [CompletionResultType]::ParameterName, 'Same as `--gpu l40s`')
            [CompletionResult]::new('--l4', '--l4', [CompletionResultType]::ParameterName, 'Same as `--gpu l4`')
            [CompletionResult]::new('--a10', '--a10', [CompletionResultType]::ParameterName, 'Same as `--gpu a10`')
            [CompletionResult]::new('--rtx4090', '--rtx4090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx4090`')
            [CompletionResult]::new('--rtx5090', '--rtx5090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx5090`')
            [CompletionResult]::new('--mi300x', '--mi300x', [CompletionResultType]::ParameterName, 'Same as `--gpu mi300x`')
            [CompletionResult]::new('--strict-region', '--strict-region', [CompletionResultType]::ParameterName, 'With --region: leave out rows priced for every region (`any`)')
            [CompletionResult]::new('--spot', '--spot', [CompletionResultType]::ParameterName, 'Only spot / interruptible offers')
            [CompletionResult]::new('--on-demand', '--on-demand', [CompletionResultType]::ParameterName, 'Only on-demand offers')
            [CompletionResult]::new('--available', '--available', [CompletionResultType]::ParameterName, 'Only offers the provider says can be launched now')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show every offer in a table')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Tables: add the offer id (what `gpu up` takes) and each catalog row''s date and source')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables: add the offer id (what `gpu up` takes) and each catalog row''s date and source')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'One row per GPU model: how many offers, the cheapest on-demand and spot price per GPU-hour (US dollars), and where (the default at a terminal without a GPU filter)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Don''t ask any provider: answer from cached answers (of any age) and the catalog')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Ask every provider again instead of reusing answers younger than `cache_ttl`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;up' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Exactly N GPUs per instance')
            [CompletionResult]::new('--min-gpus', '--min-gpus', [CompletionResultType]::ParameterName, 'At least N GPUs per instance')
            [CompletionResult]::new('--min-vram', '--min-vram', [CompletionResultType]::ParameterName, 'At least this much memory per GPU, in GB')
            [CompletionResult]::new('--max-price', '--max-price', [CompletionResultType]::ParameterName, 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Highest price of the whole instance per hour, in US dollars')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of a provider''s region name (us-east, FIN-01); repeat or comma-separate')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers (repeat or comma-separate); see `gpu providers`')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]')
            [CompletionResult]::new('--ssh-key', '--ssh-key', [CompletionResultType]::ParameterName, 'SSH public key file, or the name of a key registered with the provider [default: `ssh_key` in the config, else ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Instance name (prefixed with `gpu-`); re-running `up` with the same name finds the instance instead of launching a second one')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label recorded in the ledger, for `gpu ls` and `gpu down --label` (repeatable)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container or machine image, where the provider takes one')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable for the instance (repeatable); `--env NAME` alone takes NAME''s value from here. Values of names like *KEY*, *TOKEN*, *SECRET*, *PASSWORD* are never printed')
            [CompletionResult]::new('--startup-script', '--startup-script', [CompletionResultType]::ParameterName, 'Script the instance runs as root once at boot (cloud-init `user_data` on Lambda, `onstart` on Vast); providers that cannot run one are refused before anything is created')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the instance to run and answer on SSH')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Set a deadline, kept at the provider: `gpu ls` on any machine flags the instance once it passes and `gpu down --expired` releases it; Vast instances end themselves (e.g. 2h, 30m)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order in which offers are tried [default: total, the whole instance''s price per hour]')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Offers to try, in `--sort` order, when a provider has no capacity')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each provider''s API')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--h100', '--h100', [CompletionResultType]::ParameterName, 'Same as `--gpu h100`')
            [CompletionResult]::new('--h200', '--h200', [CompletionResultType]::ParameterName, 'Same as `--gpu h200`')
            [CompletionResult]::new('--b200', '--b200', [CompletionResultType]::ParameterName, 'Same as `--gpu b200`')
            [CompletionResult]::new('--a100', '--a100', [CompletionResultType]::ParameterName, 'Same as `--gpu a100`')
            [CompletionResult]::new('--l40s', '--l40s', [CompletionResultType]::ParameterName, 'Same as `--gpu l40s`')
            [CompletionResult]::new('--l4', '--l4', [CompletionResultType]::ParameterName, 'Same as `--gpu l4`')
            [CompletionResult]::new('--a10', '--a10', [CompletionResultType]::ParameterName, 'Same as `--gpu a10`')
            [CompletionResult]::new('--rtx4090', '--rtx4090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx4090`')
            [CompletionResult]::new('--rtx5090', '--rtx5090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx5090`')
            [CompletionResult]::new('--mi300x', '--mi300x', [CompletionResultType]::ParameterName, 'Same as `--gpu mi300x`')
            [CompletionResult]::new('--strict-region', '--strict-region', [CompletionResultType]::ParameterName, 'With --region: leave out rows priced for every region (`any`)')
            [CompletionResult]::new('--spot', '--spot', [CompletionResultType]::ParameterName, 'Only spot / interruptible offers')
            [CompletionResult]::new('--on-demand', '--on-demand', [CompletionResultType]::ParameterName, 'Only on-demand offers')
            [CompletionResult]::new('--available', '--available', [CompletionResultType]::ParameterName, 'Only offers the provider says can be launched now')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Look offers up, but send nothing that creates anything: print the requests instead')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the instance runs and its SSH port answers')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object (and nothing else) on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;down' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Instances with this label (repeatable: all must match)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Every instance carrying this owner id at the provider, whichever ledger lost it; `agent` is the owner id of what `gpu mcp` launched from here')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Run as a sweeper: repeat every DURATION until Ctrl-C (or `--rounds`); with `--expired` or `--orphans`')
            [CompletionResult]::new('--rounds', '--rounds', [CompletionResultType]::ParameterName, 'With `--every`: stop after N rounds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every instance in this machine''s ledger that may be running')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Every instance `gpu` created that is past its `--ttl` deadline (kept at the provider), whichever machine or owner launched it')
            [CompletionResult]::new('--orphans', '--orphans', [CompletionResultType]::ParameterName, 'Instances this owner launched that the ledger lost (never another owner''s, never one `gpu` did not create)')
            [CompletionResult]::new('--missing-ok', '--missing-ok', [CompletionResultType]::ParameterName, 'Exit 0 when a named instance is already gone (for cleanup steps that may run twice)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of results on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;ls' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Also show released and failed launches from the ledger')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;ssh' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to log in with [default: the private half of the key `gpu up` used, when that was a local file]')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Private key to log in with [default: the private half of the key `gpu up` used, when that was a local file]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'An ssh option, as `ssh -o` takes it (repeatable; e.g. `LocalForward=8888 localhost:8888`)')
            [CompletionResult]::new('--ssh-option', '--ssh-option', [CompletionResultType]::ParameterName, 'An ssh option, as `ssh -o` takes it (repeatable; e.g. `LocalForward=8888 localhost:8888`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the command instead of running it, quoted for a POSIX shell')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;run' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Exactly N GPUs per instance')
            [CompletionResult]::new('--min-gpus', '--min-gpus', [CompletionResultType]::ParameterName, 'At least N GPUs per instance')
            [CompletionResult]::new('--min-vram', '--min-vram', [CompletionResultType]::ParameterName, 'At least this much memory per GPU, in GB')
            [CompletionResult]::new('--max-price', '--max-price', [CompletionResultType]::ParameterName, 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Highest price of the whole instance per hour, in US dollars')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of a provider''s region name (us-east, FIN-01); repeat or comma-separate')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers (repeat or comma-separate); see `gpu providers`')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]')
            [CompletionResult]::new('--ssh-key', '--ssh-key', [CompletionResultType]::ParameterName, 'SSH public key file, or the name of a key registered with the provider [default: `ssh_key` in the config, else ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub]')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Instance name (prefixed with `gpu-`); re-running `up` with the same name finds the instance instead of launching a second one')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label recorded in the ledger, for `gpu ls` and `gpu down --label` (repeatable)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container or machine image, where the provider takes one')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable for the instance (repeatable); `--env NAME` alone takes NAME''s value from here. Values of names like *KEY*, *TOKEN*, *SECRET*, *PASSWORD* are never printed')
            [CompletionResult]::new('--startup-script', '--startup-script', [CompletionResultType]::ParameterName, 'Script the instance runs as root once at boot (cloud-init `user_data` on Lambda, `onstart` on Vast); providers that cannot run one are refused before anything is created')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the instance to run and answer on SSH')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Set a deadline, kept at the provider: `gpu ls` on any machine flags the instance once it passes and `gpu down --expired` releases it; Vast instances end themselves (e.g. 2h, 30m)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order in which offers are tried [default: total, the whole instance''s price per hour]')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Offers to try, in `--sort` order, when a provider has no capacity')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each provider''s API')
            [CompletionResult]::new('--sync', '--sync', [CompletionResultType]::ParameterName, 'Copy DIR to the instance before CMD runs (to REMOTE, relative to the home directory; default: DIR''s own name); CMD then runs in it')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Stop CMD after this long and release the instance (exit 124)')
            [CompletionResult]::new('--max-cost', '--max-cost', [CompletionResultType]::ParameterName, 'Stop CMD before the run costs more than this (price times time since the create, by started minute), copy back, release (exit 121)')
            [CompletionResult]::new('--sync-back', '--sync-back', [CompletionResultType]::ParameterName, 'Copy REMOTE (relative to where CMD runs) back to LOCAL [default: its own name here] whenever the run ends: success, failure, `--max-time`, `--max-cost`, Ctrl-C, SIGTERM')
            [CompletionResult]::new('--recover', '--recover', [CompletionResultType]::ParameterName, 'When the provider says the instance is gone mid-command (preempted, stopped, failed; never SSH failing alone): release it, rent again from the cheapest match, sync again and run CMD again with `GPU_RUN_ATTEMPT` set, up to N times')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Private key for SSH [default: the private half of the key `--ssh-key` names]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--h100', '--h100', [CompletionResultType]::ParameterName, 'Same as `--gpu h100`')
            [CompletionResult]::new('--h200', '--h200', [CompletionResultType]::ParameterName, 'Same as `--gpu h200`')
            [CompletionResult]::new('--b200', '--b200', [CompletionResultType]::ParameterName, 'Same as `--gpu b200`')
            [CompletionResult]::new('--a100', '--a100', [CompletionResultType]::ParameterName, 'Same as `--gpu a100`')
            [CompletionResult]::new('--l40s', '--l40s', [CompletionResultType]::ParameterName, 'Same as `--gpu l40s`')
            [CompletionResult]::new('--l4', '--l4', [CompletionResultType]::ParameterName, 'Same as `--gpu l4`')
            [CompletionResult]::new('--a10', '--a10', [CompletionResultType]::ParameterName, 'Same as `--gpu a10`')
            [CompletionResult]::new('--rtx4090', '--rtx4090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx4090`')
            [CompletionResult]::new('--rtx5090', '--rtx5090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx5090`')
            [CompletionResult]::new('--mi300x', '--mi300x', [CompletionResultType]::ParameterName, 'Same as `--gpu mi300x`')
            [CompletionResult]::new('--strict-region', '--strict-region', [CompletionResultType]::ParameterName, 'With --region: leave out rows priced for every region (`any`)')
            [CompletionResult]::new('--spot', '--spot', [CompletionResultType]::ParameterName, 'Only spot / interruptible offers')
            [CompletionResult]::new('--on-demand', '--on-demand', [CompletionResultType]::ParameterName, 'Only on-demand offers')
            [CompletionResult]::new('--available', '--available', [CompletionResultType]::ParameterName, 'Only offers the provider says can be launched now')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Look offers up, but send nothing that creates anything: print the requests instead')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the instance after CMD ends (print how to reach and release it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout at the end; CMD''s own output then goes to stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;watch' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Exactly N GPUs per instance')
            [CompletionResult]::new('--min-gpus', '--min-gpus', [CompletionResultType]::ParameterName, 'At least N GPUs per instance')
            [CompletionResult]::new('--min-vram', '--min-vram', [CompletionResultType]::ParameterName, 'At least this much memory per GPU, in GB')
            [CompletionResult]::new('--max-price', '--max-price', [CompletionResultType]::ParameterName, 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Highest price of the whole instance per hour, in US dollars')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of a provider''s region name (us-east, FIN-01); repeat or comma-separate')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers (repeat or comma-separate); see `gpu providers`')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between rounds (at least 10s)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run this shell command for each new or changed offer, with the offer as JSON on stdin')
            [CompletionResult]::new('--rounds', '--rounds', [CompletionResultType]::ParameterName, 'Stop after N rounds (exit 5 if nothing matched)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--h100', '--h100', [CompletionResultType]::ParameterName, 'Same as `--gpu h100`')
            [CompletionResult]::new('--h200', '--h200', [CompletionResultType]::ParameterName, 'Same as `--gpu h200`')
            [CompletionResult]::new('--b200', '--b200', [CompletionResultType]::ParameterName, 'Same as `--gpu b200`')
            [CompletionResult]::new('--a100', '--a100', [CompletionResultType]::ParameterName, 'Same as `--gpu a100`')
            [CompletionResult]::new('--l40s', '--l40s', [CompletionResultType]::ParameterName, 'Same as `--gpu l40s`')
            [CompletionResult]::new('--l4', '--l4', [CompletionResultType]::ParameterName, 'Same as `--gpu l4`')
            [CompletionResult]::new('--a10', '--a10', [CompletionResultType]::ParameterName, 'Same as `--gpu a10`')
            [CompletionResult]::new('--rtx4090', '--rtx4090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx4090`')
            [CompletionResult]::new('--rtx5090', '--rtx5090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx5090`')
            [CompletionResult]::new('--mi300x', '--mi300x', [CompletionResultType]::ParameterName, 'Same as `--gpu mi300x`')
            [CompletionResult]::new('--strict-region', '--strict-region', [CompletionResultType]::ParameterName, 'With --region: leave out rows priced for every region (`any`)')
            [CompletionResult]::new('--spot', '--spot', [CompletionResultType]::ParameterName, 'Only spot / interruptible offers')
            [CompletionResult]::new('--on-demand', '--on-demand', [CompletionResultType]::ParameterName, 'Only on-demand offers')
            [CompletionResult]::new('--available', '--available', [CompletionResultType]::ParameterName, 'Only offers the provider says can be launched now')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Exit 0 at the first match (`gpu watch --h100 --max-price 2 --once && gpu up ...`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per event (`{"event": "new"|"price", "offer": {...}}`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;history' {
            [CompletionResult]::new('--gpu', '--gpu', [CompletionResultType]::ParameterName, 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)')
            [CompletionResult]::new('--gpus', '--gpus', [CompletionResultType]::ParameterName, 'Exactly N GPUs per instance')
            [CompletionResult]::new('--min-gpus', '--min-gpus', [CompletionResultType]::ParameterName, 'At least N GPUs per instance')
            [CompletionResult]::new('--min-vram', '--min-vram', [CompletionResultType]::ParameterName, 'At least this much memory per GPU, in GB')
            [CompletionResult]::new('--max-price', '--max-price', [CompletionResultType]::ParameterName, 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)')
            [CompletionResult]::new('--max-total', '--max-total', [CompletionResultType]::ParameterName, 'Highest price of the whole instance per hour, in US dollars')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Where: a continent or group (eu, na, apac), a country (de, germany, us), or the start of a provider''s region name (us-east, FIN-01); repeat or comma-separate')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers (repeat or comma-separate); see `gpu providers`')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`')
            [CompletionResult]::new('--disk', '--disk', [CompletionResultType]::ParameterName, 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'How many days back, today included')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--h100', '--h100', [CompletionResultType]::ParameterName, 'Same as `--gpu h100`')
            [CompletionResult]::new('--h200', '--h200', [CompletionResultType]::ParameterName, 'Same as `--gpu h200`')
            [CompletionResult]::new('--b200', '--b200', [CompletionResultType]::ParameterName, 'Same as `--gpu b200`')
            [CompletionResult]::new('--a100', '--a100', [CompletionResultType]::ParameterName, 'Same as `--gpu a100`')
            [CompletionResult]::new('--l40s', '--l40s', [CompletionResultType]::ParameterName, 'Same as `--gpu l40s`')
            [CompletionResult]::new('--l4', '--l4', [CompletionResultType]::ParameterName, 'Same as `--gpu l4`')
            [CompletionResult]::new('--a10', '--a10', [CompletionResultType]::ParameterName, 'Same as `--gpu a10`')
            [CompletionResult]::new('--rtx4090', '--rtx4090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx4090`')
            [CompletionResult]::new('--rtx5090', '--rtx5090', [CompletionResultType]::ParameterName, 'Same as `--gpu rtx5090`')
            [CompletionResult]::new('--mi300x', '--mi300x', [CompletionResultType]::ParameterName, 'Same as `--gpu mi300x`')
            [CompletionResult]::new('--strict-region', '--strict-region', [CompletionResultType]::ParameterName, 'With --region: leave out rows priced for every region (`any`)')
            [CompletionResult]::new('--spot', '--spot', [CompletionResultType]::ParameterName, 'Only spot / interruptible offers')
            [CompletionResult]::new('--on-demand', '--on-demand', [CompletionResultType]::ParameterName, 'Only on-demand offers')
            [CompletionResult]::new('--available', '--available', [CompletionResultType]::ParameterName, 'Only offers the provider says can be launched now')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;providers' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;gpus' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;catalog' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Ask every live provider and keep the answers as your own catalog (preferred offline)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Say where each provider''s offline numbers come from and how old they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;catalog;refresh' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each provider')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;catalog;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;catalog;help' {
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Ask every live provider and keep the answers as your own catalog (preferred offline)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Say where each provider''s offline numbers come from and how old they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;catalog;help;refresh' {
            break
        }
        'gpu;catalog;help;show' {
            break
        }
        'gpu;catalog;help;help' {
            break
        }
        'gpu;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file and show which providers are usable (keys masked); `--live` asks each provider with a key whether it takes it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up keys as `gh auth login` does: asks which providers, takes each key without echo, writes the config with mode 600 and checks each key with its provider')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Ask each provider that has a key whether it takes it (prices, and listing instances where `gpu` rents); exit 4 when one refuses')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;config;init' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Set up these providers without asking which (repeatable); their keys are still asked for, or read a line each from stdin when it is not a terminal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file and show which providers are usable (keys masked); `--live` asks each provider with a key whether it takes it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up keys as `gh auth login` does: asks which providers, takes each key without echo, writes the config with mode 600 and checks each key with its provider')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;config;help;path' {
            break
        }
        'gpu;config;help;check' {
            break
        }
        'gpu;config;help;init' {
            break
        }
        'gpu;config;help;help' {
            break
        }
        'gpu;mcp' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Offer only the tools that read (find offers, price history): nothing can be rented')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;sweeper' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Write the scheduler''s files for a sweeper every 5 minutes, and enable them where it can')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which sweepers are installed on this machine')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;sweeper;install' {
            [CompletionResult]::new('--github', '--github', [CompletionResultType]::ParameterName, 'A scheduled GitHub Actions workflow [default path: .github/workflows/gpu-sweeper.yml]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Build gpu in the GitHub workflow from this git URL (`cargo install --git`) instead of installing the release of this version [env: GPU_REPO]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--systemd', '--systemd', [CompletionResultType]::ParameterName, 'A systemd user service and timer in the XDG config dir')
            [CompletionResult]::new('--cron', '--cron', [CompletionResultType]::ParameterName, 'A line in your crontab')
            [CompletionResult]::new('--launchd', '--launchd', [CompletionResultType]::ParameterName, 'A launchd agent in ~/Library/LaunchAgents (macOS)')
            [CompletionResult]::new('--no-enable', '--no-enable', [CompletionResultType]::ParameterName, 'Write the files only; say how to enable them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print what was installed as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;sweeper;status' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table at a terminal, tsv when stdout is piped]')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (built in; strings print raw, as `jq -r`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for `--format json`')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Shorthand for `--format csv`')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'Leave out the header line of a table, CSV or TSV')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;sweeper;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Write the scheduler''s files for a sweeper every 5 minutes, and enable them where it can')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which sweepers are installed on this machine')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;sweeper;help;install' {
            break
        }
        'gpu;sweeper;help;status' {
            break
        }
        'gpu;sweeper;help;help' {
            break
        }
        'gpu;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('deadlines', 'deadlines', [CompletionResultType]::ParameterValue, 'Rent each provider''s cheapest instance with a short deadline, release nothing, and see whether it ends by itself at the deadline or needs a sweeper (it costs money: it asks)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;doctor;deadlines' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only these providers [default: every provider you can launch on]; repeatable')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'The deadline each instance gets')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long past the deadline to wait for the provider to end it')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Rent without asking (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Rent without asking (required when stdin is not a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;doctor;help' {
            [CompletionResult]::new('deadlines', 'deadlines', [CompletionResultType]::ParameterValue, 'Rent each provider''s cheapest instance with a short deadline, release nothing, and see whether it ends by itself at the deadline or needs a sweeper (it costs money: it asks)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;doctor;help;deadlines' {
            break
        }
        'gpu;doctor;help;help' {
            break
        }
        'gpu;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page (`gpu.1`, `gpu-find.1`, `gpu-catalog-refresh.1`, ...) into DIR, creating it: `gpu man --dir ~/.local/share/man/man1`')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request (method, URL, status, time) on stderr; secrets are redacted')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress spinner')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No notes on stderr: only warnings, errors and the data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gpu;help' {
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'List GPU offers from every cloud, ranked by price per GPU-hour')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Rent the cheapest matching GPU (or the offer you name) and record it in the ledger')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Release instances and confirm with the provider that they are gone')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the instances this tool launched, on every provider, with what they cost so far')
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Open an SSH session to an instance, or run a command on it')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Rent a GPU, run a command on it, release it: one command from offer to result')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Keep asking, and report offers that newly match or change price')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Lowest and median prices per provider and day, from every live answer seen')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'Show every provider: configured or not, live or catalog-only, what it can do')
            [CompletionResult]::new('gpus', 'gpus', [CompletionResultType]::ParameterValue, 'List the GPU names `--gpu` knows, with memory and the data-sheet figures `--sort value` uses')
            [CompletionResult]::new('catalog', 'catalog', [CompletionResultType]::ParameterValue, 'The price catalog used for offline answers')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect the configuration')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve GPU finding and renting to AI agents over MCP (stdio), within the `[agent]` limits')
            [CompletionResult]::new('sweeper', 'sweeper', [CompletionResultType]::ParameterValue, 'Put `gpu down --expired --yes` on a scheduler, so deadlines fire with no machine of yours')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Checks that rent: whether a deadline ends an instance with no sweeper running')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), as shipped in `man/gpu.1`; `--dir` writes one per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gpu;help;find' {
            break
        }
        'gpu;help;up' {
            break
        }
        'gpu;help;down' {
            break
        }
        'gpu;help;ls' {
            break
        }
        'gpu;help;ssh' {
            break
        }
        'gpu;help;run' {
            break
        }
        'gpu;help;watch' {
            break
        }
        'gpu;help;history' {
            break
        }
        'gpu;help;providers' {
            break
        }
        'gpu;help;gpus' {
            break
        }
        'gpu;help;catalog' {
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Ask every live provider and keep the answers as your own catalog (preferred offline)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Say where each provider''s offline numbers come from and how old they are')
            break
        }
        'gpu;help;catalog;refresh' {
            break
        }
        'gpu;help;catalog;show' {
            break
        }
        'gpu;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file and show which providers are usable (keys masked); `--live` asks each provider with a key whether it takes it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up keys as `gh auth login` does: asks which providers, takes each key without echo, writes the config with mode 600 and checks each key with its provider')
            break
        }
        'gpu;help;config;path' {
            break
        }
        'gpu;help;config;check' {
            break
        }
        'gpu;help;config;init' {
            break
        }
        'gpu;help;mcp' {
            break
        }
        'gpu;help;sweeper' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Write the scheduler''s files for a sweeper every 5 minutes, and enable them where it can')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say which sweepers are installed on this machine')
            break
        }
        'gpu;help;sweeper;install' {
            break
        }
        'gpu;help;sweeper;status' {
            break
        }
        'gpu;help;doctor' {
            [CompletionResult]::new('deadlines', 'deadlines', [CompletionResultType]::ParameterValue, 'Rent each provider''s cheapest instance with a short deadline, release nothing, and see whether it ends by itself at the deadline or needs a sweeper (it costs money: it asks)')
            break
        }
        'gpu;help;doctor;deadlines' {
            break
        }
        'gpu;help;completions' {
            break
        }
        'gpu;help;man' {
            break
        }
        'gpu;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
