#!/bin/sh
# Install `gpu` from its GitHub release: the archive for this OS and CPU, checked against the
# release's SHA256SUMS before anything is installed.
#
#   curl -fsSL https://github.com/gpu-cli/gpu/releases/latest/download/install.sh | sh
#   sh install.sh --version 0.2.0 --to /usr/local/bin
#
# GPU_INSTALL_BASE_URL replaces https://github.com/gpu-cli/gpu/releases (a mirror, a test
# server): archives are read from BASE/download/vVERSION/ (BASE/latest/download/ without
# --version).
set -eu

repo_releases="https://github.com/gpu-cli/gpu/releases"
base="${GPU_INSTALL_BASE_URL:-$repo_releases}"
version="${GPU_VERSION:-}"
to="${HOME:-}/.local/bin"
supported="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc"

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  cat <<EOF
Install gpu from its GitHub release.

Usage: install.sh [--version VERSION] [--to DIR]

  --version VERSION  the release to install, e.g. 0.2.0 [default: the latest]
  --to DIR           where to put the binary [default: ~/.local/bin]

GPU_INSTALL_BASE_URL: where releases are read from [default: $repo_releases]
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value, e.g. --version 0.2.0"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --to) [ $# -ge 2 ] || die "--to needs a directory"; to="$2"; shift 2 ;;
    --to=*) to="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument \`$1\`; see \`install.sh --help\`" ;;
  esac
done
[ -n "$to" ] || die "HOME is not set: say where to install with --to DIR"
version="${version#v}"

# The release target for this OS and CPU.
os=$(uname -s)
cpu=$(uname -m)
case "$os" in
  Linux) os_part="unknown-linux-musl" ;;
  Darwin) os_part="apple-darwin" ;;
  MINGW*|MSYS*|CYGWIN*|Windows_NT) os_part="pc-windows-msvc" ;;
  *) os_part="" ;;
esac
case "$cpu" in
  x86_64|amd64) cpu_part="x86_64" ;;
  aarch64|arm64) cpu_part="aarch64" ;;
  *) cpu_part="" ;;
esac
target="$cpu_part-$os_part"
case " $supported " in
  *" $target "*) ;;
  *) die "no release of gpu is built for $os on $cpu; the supported platforms are: $supported (or build it from source: cargo install --locked --git https://github.com/gpu-cli/gpu gpu)" ;;
esac

if [ "$os_part" = "pc-windows-msvc" ]; then
  archive="gpu-$target.zip"
  exe="gpu.exe"
else
  archive="gpu-$target.tar.gz"
  exe="gpu"
fi
if [ -n "$version" ]; then
  from="$base/download/v$version"
else
  from="$base/latest/download"
fi

if command -v curl >/dev/null 2>&1; then
  fetch() { curl --proto '=https,http' -fsSL --retry 3 -o "$2" "$1" 2>/dev/null; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "neither curl nor wget is installed; install one and run this again"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  die "neither sha256sum nor shasum is installed, so the download cannot be checked; nothing was installed"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t gpu-install)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$from/SHA256SUMS" "$tmp/SHA256SUMS" \
  || die "could not download $from/SHA256SUMS (no such release, or no network); nothing was installed"
fetch "$from/$archive" "$tmp/$archive" \
  || die "could not download $from/$archive (no such release or archive, or no network); nothing was installed"

expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS has no line for $archive; nothing was installed"
actual=$(sha256 "$tmp/$archive")
[ "$expected" = "$actual" ] \
  || die "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; nothing was installed"

mkdir "$tmp/unpacked"
case "$archive" in
  *.zip) command -v unzip >/dev/null 2>&1 || die "unzip is not installed; install it and run this again"
         unzip -q "$tmp/$archive" -d "$tmp/unpacked" ;;
  *) tar -xzf "$tmp/$archive" -C "$tmp/unpacked" ;;
esac
bin="$tmp/unpacked/gpu-$target/$exe"
[ -f "$bin" ] || die "$archive has no gpu-$target/$exe; nothing was installed"

mkdir -p "$to" || die "could not create $to; choose another directory with --to DIR"
cp "$bin" "$to/$exe.new" || die "could not write to $to; choose another directory with --to DIR"
chmod 755 "$to/$exe.new"
mv -f "$to/$exe.new" "$to/$exe"
say "installed $("$to/$exe" --version 2>/dev/null || echo gpu) to $to/$exe"
say "completions and man pages are in the archive: $from/$archive"

case ":${PATH:-}:" in
  *":$to:"*) ;;
  *) say "$to is not on your PATH; add it, e.g.: echo 'export PATH=\"$to:\$PATH\"' >> ~/.profile" ;;
esac
