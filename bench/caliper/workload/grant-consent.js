'use strict';
/**
 * Workload (a) of `npm run bench` for Hyperledger Caliper: a one-key public write, a patient
 * granting hospital B consent to read procedure records for treatment. The patient's
 * identity and the doctor's id come from networks/bench.json, written by
 * `npx tsx scripts/bench/caliper-prepare.ts` at the repository root.
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

const DAY = 86_400_000;

class GrantConsent extends WorkloadModuleBase {
  async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext) {
    await super.initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter, sutContext);
    const bench = JSON.parse(readFileSync(path.join(__dirname, '..', 'networks', 'bench.json'), 'utf8'));
    this.grant = JSON.stringify({
      // To the member as a whole: a grant to one doctor also rewrites the patient's care link with
      // them, which concurrent grants conflict on (see scripts/bench/setup.ts).
      grantee: { mspId: bench.granteeMspId },
      categories: ['procedure'],
      purpose: 'treatment',
      validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
    });
    this.chaincode = bench.chaincode;
  }

  async submitTransaction() {
    await this.sutAdapter.sendRequests({
      contractId: this.chaincode,
      // A contract of the chaincode by name, as fabric-contract-api routes it.
      contractFunction: 'consent:Grant',
      contractArguments: [this.grant],
      invokerIdentity: 'patient',
      readOnly: false,
    });
  }
}

module.exports.createWorkloadModule = () => new GrantConsent();
