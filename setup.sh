#!/usr/bin/env bash
# setup.sh: make a fresh Debian 12 machine ready to build and run bpfscript.
#
# Installs (only what is missing) the system packages the compiler, the loader and the
# e2e fixtures need, installs the npm dependencies (only when node_modules is missing or
# package-lock.json changed), builds (tsc, the rolldown bundle, native/loader), mounts tracefs, and ends with
# a one-line check. Idempotent: a second run changes nothing and says so.
# It does not install bpftrace: that is only the tests' reference (.ci/run installs it).
#
# Needs root for apt-get and for loading BPF. These machines have no sudo: run it as
# root; elsewhere use `sudo ./setup.sh`. Without root it still builds when every
# package is already present.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

# Everything the build and the tests need. libc6-dev is listed because gcc only
# recommends it and we install without recommends.
APT_PACKAGES=(clang llvm libbpf-dev libelf-dev zlib1g-dev libc6-dev gcc make pkg-config systemtap-sdt-dev)
# Installed when the distribution has it: the e2e tests use it to count loaded programs.
OPTIONAL_APT_PACKAGES=(bpftool)
NODE_MAJOR_MIN=20
NPM_STAMP=node_modules/.bpfscript-lock-sha256
HELLO='BEGIN { printf("hello\n"); exit(); }'

say() { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }
die() {
	printf 'setup: ERROR: %s\n' "$*" >&2
	exit 1
}

is_root() { [[ $EUID -eq 0 ]]; }

# dpkg-query prints the status even for packages that were removed; only this
# exact state means installed.
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

apt_updated=0
apt_update_once() {
	if ((apt_updated == 0)); then
		say "apt-get update"
		apt-get update -qq
		apt_updated=1
	fi
}

apt_install() {
	say "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# --- 1. system packages --------------------------------------------------------------
command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script is for Debian 12. Install the equivalents of: ${APT_PACKAGES[*]} ${OPTIONAL_APT_PACKAGES[*]}"

missing=()
for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
missing_optional=()
for p in "${OPTIONAL_APT_PACKAGES[@]}"; do installed "$p" || missing_optional+=("$p"); done

if ! is_root; then
	if ((${#missing[@]} > 0)); then
		die "these packages are missing and installing them needs root: ${missing[*]}.
  Run ./setup.sh as root (these machines have no sudo); elsewhere run: sudo ./setup.sh
  (root is also what loading BPF programs needs, or CAP_BPF + CAP_PERFMON.)"
	fi
	say "not root: every required package is present; doing the steps that need no root"
	((${#missing_optional[@]} == 0)) || warn "optional package(s) missing and not root: ${missing_optional[*]} (e2e tests need bpftool)"
else
	if ((${#missing[@]} > 0)); then
		apt_update_once
		apt_install "${missing[@]}"
	else
		say "system packages present: ${APT_PACKAGES[*]}"
	fi
	for p in "${missing_optional[@]}"; do
		apt_update_once
		if apt-cache show "$p" >/dev/null 2>&1; then
			apt_install "$p"
		else
			warn "package $p is not available here; skipping it (the e2e tests will say what they miss)"
		fi
	done
	((${#missing_optional[@]} > 0)) || say "optional packages present: ${OPTIONAL_APT_PACKAGES[*]}"
fi

# --- 2. node and npm dependencies ----------------------------------------------------
command -v node >/dev/null 2>&1 || die "node not found: bpfscript needs Node.js >= ${NODE_MAJOR_MIN} (Debian 12's own nodejs is too old)"
command -v npm >/dev/null 2>&1 || die "npm not found: it comes with Node.js >= ${NODE_MAJOR_MIN}"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= NODE_MAJOR_MIN)) || die "Node.js $(node --version) is too old: bpfscript needs >= ${NODE_MAJOR_MIN}"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -d node_modules && -f $NPM_STAMP && "$(cat "$NPM_STAMP")" == "$lock_hash" ]]; then
	say "npm dependencies up to date (package-lock.json unchanged)"
elif [[ -d node_modules && ! -f $NPM_STAMP ]] && npm ls --all >/dev/null 2>&1; then
	# Installed by other means (no stamp yet) and consistent: adopt it rather than
	# deleting and reinstalling a working tree.
	say "npm dependencies already installed and consistent; recording package-lock.json's hash"
	printf '%s\n' "$lock_hash" >"$NPM_STAMP"
else
	say "npm ci (node_modules missing or package-lock.json changed)"
	npm ci --no-audit --no-fund
	printf '%s\n' "$lock_hash" >"$NPM_STAMP"
fi

# --- 3. tracefs ----------------------------------------------------------------------
# Tracepoint formats and probe listings live there; the tool mounts it on demand too.
if [[ -d /sys/kernel/tracing/events ]]; then
	say "tracefs mounted at /sys/kernel/tracing"
elif is_root; then
	say "mount -t tracefs nodev /sys/kernel/tracing"
	mount -t tracefs nodev /sys/kernel/tracing || warn "could not mount tracefs; tracepoint probes will not work"
else
	warn "tracefs is not mounted at /sys/kernel/tracing and mounting it needs root"
fi

# --- 4. build ------------------------------------------------------------------------
say "npm run build (tsc --noEmit, rolldown -> dist/, make -C native/loader)"
if ! npm run build --silent; then
	die "the build failed (npm run build: tsc, rolldown, make -C native/loader); the errors are above"
fi

# --- 5. the one-line check -----------------------------------------------------------
if ! is_root; then
	say "built; bpfscript needs root (or CAP_BPF + CAP_PERFMON) to trace"
	echo "bpfscript is built: as root run ./bin/bpfscript -e '${HELLO}'"
	exit 0
fi
[[ -e /sys/kernel/btf/vmlinux ]] || die "this kernel has no BTF (/sys/kernel/btf/vmlinux): bpfscript needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"
say "check: ./bin/bpfscript -e '${HELLO}'"
if out=$(timeout 60 ./bin/bpfscript -e "$HELLO" 2>&1) && grep -qx 'hello' <<<"$out"; then
	echo "bpfscript is ready: ./bin/bpfscript -e '${HELLO}'"
else
	printf '%s\n' "$out" >&2
	die "bpfscript was built but the check above did not print hello"
fi
