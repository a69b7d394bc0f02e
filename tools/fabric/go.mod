// Pins the Fabric binaries the network runs: Fabric v3.1.5 (tag commit 86c1172bec37).
// Fabric's module path has no /v3 suffix, so the tag is named by its pseudo-version.
module ehr.local/tools/fabric

go 1.26.4

require (
	github.com/hyperledger/fabric v1.4.0-rc1.0.20260618074816-86c1172bec37
	github.com/hyperledger/fabric/ccaas_builder v0.0.0-20260618074816-86c1172bec37
)

tool (
	github.com/hyperledger/fabric/ccaas_builder/cmd/build
	github.com/hyperledger/fabric/ccaas_builder/cmd/detect
	github.com/hyperledger/fabric/ccaas_builder/cmd/release
	github.com/hyperledger/fabric/cmd/configtxgen
	github.com/hyperledger/fabric/cmd/configtxlator
	github.com/hyperledger/fabric/cmd/orderer
	github.com/hyperledger/fabric/cmd/osnadmin
	github.com/hyperledger/fabric/cmd/peer
)
