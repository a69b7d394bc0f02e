#!/usr/bin/env bash
# Builds the Fabric and Fabric CA binaries from the Go module proxy into .fabric/ (git-ignored):
# peer, orderer, configtxgen, configtxlator, osnadmin, discover, fabric-ca-server and fabric-ca-client
# into .fabric/bin, and the default configs shipped in the Fabric module into .fabric/config.
#
# The versions are pinned by the small Go modules under tools/ (go.mod, go.sum); building from
# those modules needs no version listing from the proxy, which `go install pkg@version` does.
# Binaries built from the current tools/ modules (a stamp of their go.mod and go.sum) are kept.
#
# With FABRIC_BIN_DIR set, a member runs its own release binaries from that folder: nothing is
# built, the binaries there are only checked (their configs are read from FABRIC_CFG_DIR,
# by default the release's config/ folder beside bin/).
#
# Any failure (the proxy refusing a module included) stops with the cause: the network cannot
# run without these binaries, and nothing downstream pretends it can.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fabric_dir="${root}/.fabric"
bin_dir="${fabric_dir}/bin"
config_dir="${fabric_dir}/config"

# Fabric main of 5 April 2023 (tools/fabric/go.mod says why), stamped as its Makefile would.
fabric_commit="695dd57e01c2"
fabric_version="3.0.0-snapshot-${fabric_commit:0:8}"
ca_version="1.5.21"
fabric_commands=(peer orderer configtxgen configtxlator osnadmin discover)
ca_commands=(fabric-ca-server fabric-ca-client)

log() { printf '[build-binaries] %s\n' "$*"; }
die() {
  printf '[build-binaries] error: %s\n' "$*" >&2
  exit 1
}

# True when the binary exists and `<binary> version` reports exactly the wanted version.
has_version() {
  local binary="$1" version="$2"
  [[ -x "${binary}" ]] && "${binary}" version 2>/dev/null | grep -q -x "[[:space:]]*Version: ${version}"
}

# Builds the commands of a tools/ module (its go.sum is committed and complete, so the build
# reads the module graph without changing it) into .fabric/bin.
go_build() {
  local module="$1" cgo="$2" ldflags="$3"
  shift 3
  local output
  if ! output="$(cd "${root}/tools/${module}" && CGO_ENABLED="${cgo}" GOFLAGS=-mod=readonly \
    go build -trimpath -ldflags "${ldflags}" -o "${bin_dir}/" "$@" 2>&1)"; then
    printf '%s\n' "${output}" >&2
    die "building the ${module} binaries from tools/${module} failed (Go module proxy: $(go env GOPROXY)); see above"
  fi
}

# A digest of a tools/ module's go.mod and go.sum: a change of any pinned dependency rebuilds.
module_stamp() {
  cat "${root}/tools/$1/go.mod" "${root}/tools/$1/go.sum" | sha256sum | cut -d' ' -f1
}

build_fabric() {
  local command up_to_date=true stamp_file="${bin_dir}/.fabric-module" stamp
  stamp="$(module_stamp fabric)"
  for command in peer orderer; do
    has_version "${bin_dir}/${command}" "${fabric_version}" || up_to_date=false
  done
  for command in configtxgen configtxlator osnadmin discover; do
    [[ -x "${bin_dir}/${command}" ]] || up_to_date=false
  done
  [[ -f "${stamp_file}" && "$(cat "${stamp_file}")" == "${stamp}" ]] || up_to_date=false
  [[ -f "${config_dir}/core.yaml" && -f "${config_dir}/orderer.yaml" ]] || up_to_date=false
  if [[ "${up_to_date}" == true ]]; then
    log "Fabric ${fabric_version} binaries already built"
    return
  fi
  log "building Fabric ${fabric_version} from the Go module proxy"
  local packages=()
  for command in "${fabric_commands[@]}"; do packages+=("github.com/hyperledger/fabric/cmd/${command}"); done
  go_build fabric 0 "-X github.com/hyperledger/fabric/common/metadata.Version=${fabric_version} \
-X github.com/hyperledger/fabric/common/metadata.CommitSHA=${fabric_commit:0:8}" "${packages[@]}"
  # The peer's and orderer's default configs ship inside the Fabric module.
  local module_dir
  module_dir="$(cd "${root}/tools/fabric" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)"
  mkdir -p "${config_dir}"
  cp "${module_dir}/sampleconfig/"{core,orderer,configtx}.yaml "${config_dir}/"
  chmod u+w "${config_dir}/"*.yaml
  printf '%s\n' "${stamp}" >"${stamp_file}"
}

build_fabric_ca() {
  if has_version "${bin_dir}/fabric-ca-server" "${ca_version}" && has_version "${bin_dir}/fabric-ca-client" "${ca_version}"; then
    log "Fabric CA ${ca_version} binaries already built"
    return
  fi
  command -v gcc >/dev/null 2>&1 || die "gcc is required to build Fabric CA (cgo, SQLite)"
  log "building Fabric CA ${ca_version} from the Go module proxy"
  local packages=()
  for command in "${ca_commands[@]}"; do packages+=("github.com/hyperledger/fabric-ca/cmd/${command}"); done
  go_build fabric-ca 1 "" "${packages[@]}"
}

# A member's own binaries: check that every one is there and say which Fabric they are.
check_release_binaries() {
  local dir="$1" command missing=()
  for command in "${fabric_commands[@]}" "${ca_commands[@]}"; do
    [[ -x "${dir}/${command}" ]] || missing+=("${command}")
  done
  ((${#missing[@]} == 0)) || die "FABRIC_BIN_DIR=${dir} lacks ${missing[*]}"
  local cfg="${FABRIC_CFG_DIR:-${dir}/../config}"
  [[ -f "${cfg}/core.yaml" && -f "${cfg}/orderer.yaml" ]] ||
    die "no core.yaml and orderer.yaml in ${cfg}: set FABRIC_CFG_DIR to the release's config folder"
  log "using the Fabric binaries in ${dir} (nothing built): peer $("${dir}/peer" version | sed -n 's/^ *Version: //p')"
}

main() {
  if [[ -n "${FABRIC_BIN_DIR:-}" ]]; then
    check_release_binaries "${FABRIC_BIN_DIR}"
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go 1.26 or later must be on PATH"
  mkdir -p "${bin_dir}"
  build_fabric_ca
  build_fabric
  log "peer $("${bin_dir}/peer" version | sed -n 's/^ *Version: //p'), fabric-ca-server $("${bin_dir}/fabric-ca-server" version | sed -n 's/^ *Version: //p')"
}

main "$@"
