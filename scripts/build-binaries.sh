#!/usr/bin/env bash
# Builds the Fabric 3.1.5 and Fabric CA 1.5.21 binaries from the Go module proxy into .fabric/
# (git-ignored): peer, orderer, configtxgen, configtxlator, osnadmin and fabric-ca-server/client
# into .fabric/bin, the chaincode-as-a-service builder into .fabric/builders/ccaas/bin, and the
# default configs shipped in the Fabric module into .fabric/sampleconfig.
#
# The versions are pinned by the small Go modules under tools/ (their `tool` directives name
# the commands). Building from those modules needs no version listing from the proxy, which
# `go install pkg@version` does. Binaries already built at the pinned version are kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fabric_dir="${root}/.fabric"
bin_dir="${fabric_dir}/bin"
ccaas_dir="${fabric_dir}/builders/ccaas/bin"
work_dir="${fabric_dir}/src"

unavailable_marker="${fabric_dir}/UNAVAILABLE"
fabric_version="3.1.5"
fabric_commit="86c1172bec37"
ca_version="1.5.21"

log() { printf '[build-binaries] %s\n' "$*"; }
die() {
  printf '[build-binaries] error: %s\n' "$*" >&2
  exit 1
}

# True when the binary exists and `<binary> version` reports the wanted version.
has_version() {
  local binary="$1" version="$2"
  [[ -x "${binary}" ]] && "${binary}" version 2>/dev/null | grep -q "Version: ${version}$"
}

# Copies a tools module into the work dir (go may add go.sum lines there, never in tools/) and
# downloads its modules. When the Go module proxy refuses them outright (HTTP 403, "not
# available"), that refusal is recorded in .fabric/UNAVAILABLE and the script exits with 3:
# a cause outside the project, which `npm start` and the test run report as such.
stage_module() {
  local name="$1" output
  mkdir -p "${work_dir}/${name}"
  cp "${root}/tools/${name}/go.mod" "${work_dir}/${name}/go.mod"
  if [[ -f "${root}/tools/${name}/go.sum" ]]; then
    cp "${root}/tools/${name}/go.sum" "${work_dir}/${name}/go.sum"
  fi
  if ! output="$(cd "${work_dir}/${name}" && go mod download 2>&1)"; then
    printf '%s\n' "${output}" >&2
    if grep -q -E '403 Forbidden|not available' <<<"${output}"; then
      printf 'the Go module proxy (%s) refuses the %s modules: %s\n' "$(go env GOPROXY)" "${name}" \
        "$(grep -m1 -o -E 'reading [^ ]+: 403 Forbidden' <<<"${output}")" >"${unavailable_marker}"
      printf '[build-binaries] BLOCKED: %s\n' "$(cat "${unavailable_marker}")" >&2
      exit 3
    fi
    die "could not download the ${name} modules from the Go module proxy ($(go env GOPROXY))"
  fi
}

build_fabric() {
  if has_version "${bin_dir}/peer" "${fabric_version}" && has_version "${bin_dir}/orderer" "${fabric_version}" &&
    [[ -x "${bin_dir}/configtxgen" && -x "${bin_dir}/configtxlator" && -x "${bin_dir}/osnadmin" ]] &&
    [[ -x "${ccaas_dir}/detect" && -x "${ccaas_dir}/build" && -x "${ccaas_dir}/release" ]]; then
    log "Fabric ${fabric_version} binaries already built"
    return
  fi
  log "building Fabric ${fabric_version} (commit ${fabric_commit}) from the Go module proxy"
  stage_module fabric
  local ldflags="-X github.com/hyperledger/fabric/common/metadata.Version=${fabric_version}"
  ldflags+=" -X github.com/hyperledger/fabric/common/metadata.CommitSHA=${fabric_commit}"
  (
    cd "${work_dir}/fabric"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "${ldflags}" -o "${bin_dir}/" \
      github.com/hyperledger/fabric/cmd/peer github.com/hyperledger/fabric/cmd/orderer \
      github.com/hyperledger/fabric/cmd/configtxgen github.com/hyperledger/fabric/cmd/configtxlator \
      github.com/hyperledger/fabric/cmd/osnadmin
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "${ccaas_dir}/" \
      github.com/hyperledger/fabric/ccaas_builder/cmd/detect github.com/hyperledger/fabric/ccaas_builder/cmd/build \
      github.com/hyperledger/fabric/ccaas_builder/cmd/release
  )
  # The peer's and orderer's default configs ship inside the Fabric module.
  local module_dir
  module_dir="$(cd "${work_dir}/fabric" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)"
  mkdir -p "${fabric_dir}/sampleconfig"
  cp "${module_dir}/sampleconfig/"*.yaml "${fabric_dir}/sampleconfig/"
  chmod u+w "${fabric_dir}/sampleconfig/"*.yaml
}

build_fabric_ca() {
  if has_version "${bin_dir}/fabric-ca-server" "${ca_version}" && has_version "${bin_dir}/fabric-ca-client" "${ca_version}"; then
    log "Fabric CA ${ca_version} binaries already built"
    return
  fi
  command -v gcc >/dev/null 2>&1 || die "gcc is required to build Fabric CA (cgo, SQLite)"
  log "building Fabric CA ${ca_version} from the Go module proxy"
  stage_module fabric-ca
  (
    cd "${work_dir}/fabric-ca"
    CGO_ENABLED=1 go build -trimpath -o "${bin_dir}/" \
      github.com/hyperledger/fabric-ca/cmd/fabric-ca-server github.com/hyperledger/fabric-ca/cmd/fabric-ca-client
  )
}

main() {
  command -v go >/dev/null 2>&1 || die "Go 1.26 or later must be on PATH"
  mkdir -p "${bin_dir}" "${ccaas_dir}"
  rm -f "${unavailable_marker}"
  build_fabric_ca
  build_fabric
  "${bin_dir}/peer" version | sed -n '2p'
}

main "$@"
