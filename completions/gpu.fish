# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gpu_global_optspecs
    string join \n config= v/verbose color= no-progress q/quiet h/help V/version
end

function __fish_gpu_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gpu_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gpu_using_subcommand
    set -l cmd (__fish_gpu_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gpu -n "__fish_gpu_needs_command" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_needs_command" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_needs_command" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_needs_command" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_needs_command" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_needs_command" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "find" -d 'List GPU offers from every cloud, ranked by price per GPU-hour'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "up" -d 'Rent the cheapest matching GPU (or the offer you name) and record it in the ledger'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "down" -d 'Release instances and confirm with the provider that they are gone'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "ls" -d 'List the instances this tool launched, on every provider, with what they cost so far'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "ssh" -d 'Open an SSH session to an instance, or run a command on it'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "run" -d 'Rent a GPU, run a command on it, release it: one command from offer to result'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "watch" -d 'Keep asking, and report offers that newly match or change price'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "history" -d 'Lowest and median prices per provider and day, from every live answer seen'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "providers" -d 'Show every provider: configured or not, live or catalog-only, what it can do'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "gpus" -d 'List the GPU names `--gpu` knows, with memory and the data-sheet figures `--sort value` uses'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "catalog" -d 'The price catalog used for offline answers'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "config" -d 'Inspect the configuration'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c gpu -n "__fish_gpu_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l gpu -d 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l gpus -d 'Exactly N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l min-gpus -d 'At least N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l min-vram -d 'At least this much memory per GPU, in GB' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l max-price -d 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l max-total -d 'Highest price of the whole instance per hour, in US dollars' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l region -d 'Region, by prefix or substring: us-east, eu, FIN-01 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l provider -d 'Only these providers (repeat or comma-separate); see `gpu providers`' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l fit -d 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l disk -d 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l sort -d 'Order of the results' -r -f -a "price\t'Price per GPU-hour, then availability'
total\t'Price of the whole instance per hour'
vram\t'Memory per GPU, largest first'
gpus\t'GPU count, largest first'
provider\t'Provider id, then price'
value\t'Price per PFLOP-hour of dense BF16 compute (data-sheet figures), cheapest first'
bandwidth-value\t'Price per TB/s of memory bandwidth per hour, cheapest first'"
complete -c gpu -n "__fish_gpu_using_subcommand find" -l limit -d 'Show at most N offers (tables show 30 unless told otherwise)' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l columns -d 'Only these fields, in this order, for the table, CSV and TSV (JSON names, e.g. `provider,offer_id,price_per_hour_usd`)' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -l timeout -d 'Seconds to wait for each provider [default: 10, or `timeout` in the config]' -r
complete -c gpu -n "__fish_gpu_using_subcommand find" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand find" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand find" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand find" -l h100 -d 'Same as `--gpu h100`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l h200 -d 'Same as `--gpu h200`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l b200 -d 'Same as `--gpu b200`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l a100 -d 'Same as `--gpu a100`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l l40s -d 'Same as `--gpu l40s`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l l4 -d 'Same as `--gpu l4`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l a10 -d 'Same as `--gpu a10`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l rtx4090 -d 'Same as `--gpu rtx4090`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l rtx5090 -d 'Same as `--gpu rtx5090`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l mi300x -d 'Same as `--gpu mi300x`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l spot -d 'Only spot / interruptible offers'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l on-demand -d 'Only on-demand offers'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l available -d 'Only offers the provider says can be launched now'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l all -d 'Show every offer in a table'
complete -c gpu -n "__fish_gpu_using_subcommand find" -s w -l wide -d 'Tables: add the offer id (what `gpu up` takes) and each catalog row\'s date and source'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l offline -d 'Don\'t ask any provider: answer from cached answers (of any age) and the catalog'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l refresh -d 'Ask every provider again instead of reusing answers younger than `cache_ttl`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand find" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand find" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand find" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand find" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand find" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l gpu -d 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l gpus -d 'Exactly N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l min-gpus -d 'At least N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l min-vram -d 'At least this much memory per GPU, in GB' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l max-price -d 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l max-total -d 'Highest price of the whole instance per hour, in US dollars' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l region -d 'Region, by prefix or substring: us-east, eu, FIN-01 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l provider -d 'Only these providers (repeat or comma-separate); see `gpu providers`' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l fit -d 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l disk -d 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l ssh-key -d 'SSH public key file, or the name of a key registered with the provider [default: `ssh_key` in the config, else ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub]' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l name -d 'Instance name (prefixed with `gpu-`); re-running `up` with the same name finds the instance instead of launching a second one' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l label -d 'Label recorded in the ledger, for `gpu ls` and `gpu down --label` (repeatable)' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l image -d 'Container or machine image, where the provider takes one' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l env -d 'Environment variable for the instance (repeatable); `--env NAME` alone takes NAME\'s value from here. Values of names like *KEY*, *TOKEN*, *SECRET*, *PASSWORD* are never printed' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l startup-script -d 'Script the instance runs as root once at boot (cloud-init `user_data` on Lambda, `onstart` on Vast); providers that cannot run one are refused before anything is created' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand up" -l wait-timeout -d 'How long to wait for the instance to run and answer on SSH' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l ttl -d 'Set a deadline, kept at the provider: `gpu ls` on any machine flags the instance once it passes and `gpu down --expired` releases it; Vast instances end themselves (e.g. 2h, 30m)' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l sort -d 'Order in which offers are tried [default: total, the whole instance\'s price per hour]' -r -f -a "price\t'Price per GPU-hour, then availability'
total\t'Price of the whole instance per hour'
vram\t'Memory per GPU, largest first'
gpus\t'GPU count, largest first'
provider\t'Provider id, then price'
value\t'Price per PFLOP-hour of dense BF16 compute (data-sheet figures), cheapest first'
bandwidth-value\t'Price per TB/s of memory bandwidth per hour, cheapest first'"
complete -c gpu -n "__fish_gpu_using_subcommand up" -l max-attempts -d 'Offers to try, in `--sort` order, when a provider has no capacity' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l timeout -d 'Seconds to wait for each provider\'s API' -r
complete -c gpu -n "__fish_gpu_using_subcommand up" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand up" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand up" -l h100 -d 'Same as `--gpu h100`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l h200 -d 'Same as `--gpu h200`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l b200 -d 'Same as `--gpu b200`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l a100 -d 'Same as `--gpu a100`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l l40s -d 'Same as `--gpu l40s`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l l4 -d 'Same as `--gpu l4`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l a10 -d 'Same as `--gpu a10`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l rtx4090 -d 'Same as `--gpu rtx4090`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l rtx5090 -d 'Same as `--gpu rtx5090`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l mi300x -d 'Same as `--gpu mi300x`'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l spot -d 'Only spot / interruptible offers'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l on-demand -d 'Only on-demand offers'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l available -d 'Only offers the provider says can be launched now'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l dry-run -d 'Look offers up, but send nothing that creates anything: print the requests instead'
complete -c gpu -n "__fish_gpu_using_subcommand up" -s y -l yes -d 'Don\'t ask for confirmation (required when stdin is not a terminal)'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l wait -d 'Wait until the instance runs and its SSH port answers'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l json -d 'Print one JSON object (and nothing else) on stdout'
complete -c gpu -n "__fish_gpu_using_subcommand up" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand up" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand up" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand up" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l label -d 'Instances with this label (repeatable: all must match)' -r
complete -c gpu -n "__fish_gpu_using_subcommand down" -l every -d 'Run as a sweeper: repeat every DURATION until Ctrl-C (or `--rounds`); with `--expired` or `--orphans`' -r
complete -c gpu -n "__fish_gpu_using_subcommand down" -l rounds -d 'With `--every`: stop after N rounds' -r
complete -c gpu -n "__fish_gpu_using_subcommand down" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand down" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand down" -l all -d 'Every instance in this machine\'s ledger that may be running'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l expired -d 'Every instance `gpu` created that is past its `--ttl` deadline (kept at the provider), whichever machine or owner launched it'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l orphans -d 'Instances this owner launched that the ledger lost (never another owner\'s, never one `gpu` did not create)'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l missing-ok -d 'Exit 0 when a named instance is already gone (for cleanup steps that may run twice)'
complete -c gpu -n "__fish_gpu_using_subcommand down" -s y -l yes -d 'Don\'t ask for confirmation (required when stdin is not a terminal)'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l json -d 'Print a JSON array of results on stdout'
complete -c gpu -n "__fish_gpu_using_subcommand down" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand down" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand down" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand down" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand down" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l history -d 'Also show released and failed launches from the ledger'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand ls" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s i -l identity -d 'Private key to log in with [default: the private half of the key `gpu up` used, when that was a local file]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s o -l ssh-option -d 'An ssh option, as `ssh -o` takes it (repeatable; e.g. `LocalForward=8888 localhost:8888`)' -r
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -l print -d 'Print the command instead of running it, quoted for a POSIX shell'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand ssh" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l gpu -d 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l gpus -d 'Exactly N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l min-gpus -d 'At least N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l min-vram -d 'At least this much memory per GPU, in GB' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l max-price -d 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l max-total -d 'Highest price of the whole instance per hour, in US dollars' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l region -d 'Region, by prefix or substring: us-east, eu, FIN-01 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l provider -d 'Only these providers (repeat or comma-separate); see `gpu providers`' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l fit -d 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l disk -d 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l ssh-key -d 'SSH public key file, or the name of a key registered with the provider [default: `ssh_key` in the config, else ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub]' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l name -d 'Instance name (prefixed with `gpu-`); re-running `up` with the same name finds the instance instead of launching a second one' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l label -d 'Label recorded in the ledger, for `gpu ls` and `gpu down --label` (repeatable)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l image -d 'Container or machine image, where the provider takes one' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l env -d 'Environment variable for the instance (repeatable); `--env NAME` alone takes NAME\'s value from here. Values of names like *KEY*, *TOKEN*, *SECRET*, *PASSWORD* are never printed' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l startup-script -d 'Script the instance runs as root once at boot (cloud-init `user_data` on Lambda, `onstart` on Vast); providers that cannot run one are refused before anything is created' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand run" -l wait-timeout -d 'How long to wait for the instance to run and answer on SSH' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l ttl -d 'Set a deadline, kept at the provider: `gpu ls` on any machine flags the instance once it passes and `gpu down --expired` releases it; Vast instances end themselves (e.g. 2h, 30m)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l sort -d 'Order in which offers are tried [default: total, the whole instance\'s price per hour]' -r -f -a "price\t'Price per GPU-hour, then availability'
total\t'Price of the whole instance per hour'
vram\t'Memory per GPU, largest first'
gpus\t'GPU count, largest first'
provider\t'Provider id, then price'
value\t'Price per PFLOP-hour of dense BF16 compute (data-sheet figures), cheapest first'
bandwidth-value\t'Price per TB/s of memory bandwidth per hour, cheapest first'"
complete -c gpu -n "__fish_gpu_using_subcommand run" -l max-attempts -d 'Offers to try, in `--sort` order, when a provider has no capacity' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l timeout -d 'Seconds to wait for each provider\'s API' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l sync -d 'Copy DIR to the instance before CMD runs (to REMOTE, relative to the home directory; default: DIR\'s own name); CMD then runs in it' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l max-time -d 'Stop CMD after this long and release the instance (exit 124)' -r
complete -c gpu -n "__fish_gpu_using_subcommand run" -l identity -d 'Private key for SSH [default: the private half of the key `--ssh-key` names]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand run" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand run" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand run" -l h100 -d 'Same as `--gpu h100`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l h200 -d 'Same as `--gpu h200`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l b200 -d 'Same as `--gpu b200`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l a100 -d 'Same as `--gpu a100`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l l40s -d 'Same as `--gpu l40s`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l l4 -d 'Same as `--gpu l4`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l a10 -d 'Same as `--gpu a10`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l rtx4090 -d 'Same as `--gpu rtx4090`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l rtx5090 -d 'Same as `--gpu rtx5090`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l mi300x -d 'Same as `--gpu mi300x`'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l spot -d 'Only spot / interruptible offers'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l on-demand -d 'Only on-demand offers'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l available -d 'Only offers the provider says can be launched now'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l dry-run -d 'Look offers up, but send nothing that creates anything: print the requests instead'
complete -c gpu -n "__fish_gpu_using_subcommand run" -s y -l yes -d 'Don\'t ask for confirmation (required when stdin is not a terminal)'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l keep -d 'Keep the instance after CMD ends (print how to reach and release it)'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l json -d 'Print one JSON object on stdout at the end; CMD\'s own output then goes to stderr'
complete -c gpu -n "__fish_gpu_using_subcommand run" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand run" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand run" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand run" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l gpu -d 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l gpus -d 'Exactly N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l min-gpus -d 'At least N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l min-vram -d 'At least this much memory per GPU, in GB' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l max-price -d 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l max-total -d 'Highest price of the whole instance per hour, in US dollars' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l region -d 'Region, by prefix or substring: us-east, eu, FIN-01 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l provider -d 'Only these providers (repeat or comma-separate); see `gpu providers`' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l fit -d 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l disk -d 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l interval -d 'Time between rounds (at least 10s)' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l exec -d 'Run this shell command for each new or changed offer, with the offer as JSON on stdin' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l rounds -d 'Stop after N rounds (exit 5 if nothing matched)' -r
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l h100 -d 'Same as `--gpu h100`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l h200 -d 'Same as `--gpu h200`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l b200 -d 'Same as `--gpu b200`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l a100 -d 'Same as `--gpu a100`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l l40s -d 'Same as `--gpu l40s`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l l4 -d 'Same as `--gpu l4`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l a10 -d 'Same as `--gpu a10`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l rtx4090 -d 'Same as `--gpu rtx4090`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l rtx5090 -d 'Same as `--gpu rtx5090`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l mi300x -d 'Same as `--gpu mi300x`'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l spot -d 'Only spot / interruptible offers'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l on-demand -d 'Only on-demand offers'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l available -d 'Only offers the provider says can be launched now'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l once -d 'Exit 0 at the first match (`gpu watch --h100 --max-price 2 --once && gpu up ...`)'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l json -d 'Print one JSON object per event (`{"event": "new"|"price", "offer": {...}}`)'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand watch" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l gpu -d 'GPU model, any spelling: h100, H100-SXM, a100-80gb, rtx4090 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l gpus -d 'Exactly N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l min-gpus -d 'At least N GPUs per instance' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l min-vram -d 'At least this much memory per GPU, in GB' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l max-price -d 'Highest price per GPU-hour, in US dollars (not per instance; see --max-total)' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l max-total -d 'Highest price of the whole instance per hour, in US dollars' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l region -d 'Region, by prefix or substring: us-east, eu, FIN-01 (repeat or comma-separate)' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l provider -d 'Only these providers (repeat or comma-separate); see `gpu providers`' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l fit -d 'Only offers whose total GPU memory holds a model of this size plus 20% headroom: `70b` (BF16, 2 bytes a parameter), `70b@fp8`, `405b@int4`' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l disk -d 'Disk in GB for the instance, as `up` asks for it: priced in where the provider bills disk by the hour (Vast, RunPod) [default: what `up` asks for by default]' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -l days -d 'How many days back, today included' -r
complete -c gpu -n "__fish_gpu_using_subcommand history" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand history" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand history" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand history" -l h100 -d 'Same as `--gpu h100`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l h200 -d 'Same as `--gpu h200`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l b200 -d 'Same as `--gpu b200`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l a100 -d 'Same as `--gpu a100`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l l40s -d 'Same as `--gpu l40s`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l l4 -d 'Same as `--gpu l4`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l a10 -d 'Same as `--gpu a10`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l rtx4090 -d 'Same as `--gpu rtx4090`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l rtx5090 -d 'Same as `--gpu rtx5090`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l mi300x -d 'Same as `--gpu mi300x`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l spot -d 'Only spot / interruptible offers'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l on-demand -d 'Only on-demand offers'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l available -d 'Only offers the provider says can be launched now'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand history" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand history" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand history" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand history" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand providers" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand gpus" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -f -a "refresh" -d 'Ask every live provider and keep the answers as your own catalog (preferred offline)'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -f -a "show" -d 'Say where each provider\'s offline numbers come from and how old they are'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and not __fish_seen_subcommand_from refresh show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -l timeout -d 'Seconds to wait for each provider' -r
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from refresh" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''
tsv\t'Tab-separated values, no quoting unless a value needs it'"
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l json -d 'Shorthand for `--format json`'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l csv -d 'Shorthand for `--format csv`'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l no-header -d 'Leave out the header line of a table, CSV or TSV'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "refresh" -d 'Ask every live provider and keep the answers as your own catalog (preferred offline)'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "show" -d 'Say where each provider\'s offline numbers come from and how old they are'
complete -c gpu -n "__fish_gpu_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -f -a "path" -d 'Print the path of the config file in use'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -f -a "check" -d 'Check the config file and show which providers are usable (keys masked)'
complete -c gpu -n "__fish_gpu_using_subcommand config; and not __fish_seen_subcommand_from path check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the config file in use'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the config file and show which providers are usable (keys masked)'
complete -c gpu -n "__fish_gpu_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand completions" -l config -d 'Config file to use [default: the platform config dir, e.g. ~/.config/gpu/config.toml]' -r -F
complete -c gpu -n "__fish_gpu_using_subcommand completions" -l color -d 'When to use colour on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c gpu -n "__fish_gpu_using_subcommand completions" -s v -l verbose -d 'Show each request (method, URL, status, time) on stderr; secrets are redacted'
complete -c gpu -n "__fish_gpu_using_subcommand completions" -l no-progress -d 'Never show a progress spinner'
complete -c gpu -n "__fish_gpu_using_subcommand completions" -s q -l quiet -d 'No notes on stderr: only warnings, errors and the data'
complete -c gpu -n "__fish_gpu_using_subcommand completions" -s h -l help -d 'Print help'
complete -c gpu -n "__fish_gpu_using_subcommand completions" -s V -l version -d 'Print version'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "find" -d 'List GPU offers from every cloud, ranked by price per GPU-hour'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "up" -d 'Rent the cheapest matching GPU (or the offer you name) and record it in the ledger'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "down" -d 'Release instances and confirm with the provider that they are gone'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "ls" -d 'List the instances this tool launched, on every provider, with what they cost so far'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "ssh" -d 'Open an SSH session to an instance, or run a command on it'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "run" -d 'Rent a GPU, run a command on it, release it: one command from offer to result'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "watch" -d 'Keep asking, and report offers that newly match or change price'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "history" -d 'Lowest and median prices per provider and day, from every live answer seen'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "providers" -d 'Show every provider: configured or not, live or catalog-only, what it can do'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "gpus" -d 'List the GPU names `--gpu` knows, with memory and the data-sheet figures `--sort value` uses'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "catalog" -d 'The price catalog used for offline answers'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "config" -d 'Inspect the configuration'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c gpu -n "__fish_gpu_using_subcommand help; and not __fish_seen_subcommand_from find up down ls ssh run watch history providers gpus catalog config completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gpu -n "__fish_gpu_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "refresh" -d 'Ask every live provider and keep the answers as your own catalog (preferred offline)'
complete -c gpu -n "__fish_gpu_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "show" -d 'Say where each provider\'s offline numbers come from and how old they are'
complete -c gpu -n "__fish_gpu_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the config file in use'
complete -c gpu -n "__fish_gpu_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Check the config file and show which providers are usable (keys masked)'
