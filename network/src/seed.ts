/**
 * Ledger-level demo data, so the demo users can act as soon as `npm start` returns: each
 * member's profile, its practitioners, and each hospital's demo patient registered with
 * synthetic demographics (the two-step private-then-public registration). Idempotent.
 */
import { chaincodeErrorCode, text, withSession } from './gateway';
import { demoUsers, type OrgSpec } from './topology';

const SPECIALITIES: Record<OrgSpec['kind'], string[]> = {
  hospital: ['cardiology', 'emergency', 'general-medicine'],
  lab: ['haematology', 'microbiology'],
  insurer: [],
};

async function publishProfile(org: OrgSpec): Promise<void> {
  await withSession(org, 'admin', async (s) => {
    const profiles = JSON.parse(text(await s.contract('directory').evaluateTransaction('ListOrgProfiles'))) as {
      mspId: string;
    }[];
    if (profiles.some((p) => p.mspId === org.mspId)) return;
    const profile = { kind: org.kind, displayName: org.displayName, specialities: SPECIALITIES[org.kind] };
    await s.contract('directory').submitTransaction('PublishOrgProfile', JSON.stringify(profile));
  });
}

async function registerPractitioners(org: OrgSpec): Promise<void> {
  const clinical = demoUsers(org).filter((u) => u.role === 'doctor' || u.role === 'labtech');
  await withSession(org, 'admin', async (s) => {
    const listed = JSON.parse(
      text(await s.contract('directory').evaluateTransaction('ListPractitioners', org.mspId)),
    ) as {
      practitionerId: string;
    }[];
    for (const user of clinical) {
      if (listed.some((p) => p.practitionerId === user.attrs['ehr.practitionerId'])) continue;
      const practitioner = {
        practitionerId: user.attrs['ehr.practitionerId'],
        role: user.role,
        licenceNo: `LIC-${user.attrs['ehr.practitionerId'] ?? ''}`,
        specialty: org.kind === 'lab' ? 'haematology' : 'general-medicine',
      };
      await s.contract('directory').submitTransaction('RegisterPractitioner', JSON.stringify(practitioner));
    }
  });
}

async function registered(org: OrgSpec, patientId: string): Promise<boolean> {
  return withSession(org, 'admin', async (s) => {
    try {
      await s.contract('directory').evaluateTransaction('GetPatient', patientId);
      return true;
    } catch (error) {
      if (chaincodeErrorCode(error) === 'NOT_FOUND') return false;
      throw error;
    }
  });
}

/**
 * Registers a patient whose identity the member's CA issued (`patientUser` carries
 * `ehr.patientId`): demographics to the home member's collection, the public entry, then the
 * patient's own certificate linked. Does nothing when the patient is registered already.
 */
export async function registerPatient(
  org: OrgSpec,
  patientUser: string,
  patientId: string,
  demographics: { name: string; dateOfBirth: string } = {
    name: `Demo Patient ${patientId}`,
    dateOfBirth: '1980-01-01',
  },
): Promise<void> {
  if (await registered(org, patientId)) return;
  await withSession(org, 'admin', async (s) => {
    const directory = s.contract('directory');
    // Step 1 carries the demographics: only the home member's peer may see it.
    const stored = await directory.submit('StoreDemographics', {
      arguments: [patientId],
      transientData: { demographics: JSON.stringify(demographics) },
      endorsingOrganizations: [org.mspId],
    });
    const { demographicsHash } = JSON.parse(text(stored)) as { demographicsHash: string };
    await directory.submitTransaction('RegisterPatient', patientId, demographicsHash);
  });
  await withSession(org, patientUser, (s) => s.contract('directory').submitTransaction('LinkPatientCertificate'));
}

export async function seedDemoData(orgs: readonly OrgSpec[]): Promise<void> {
  for (const org of orgs) {
    await publishProfile(org);
    await registerPractitioners(org);
    for (const user of demoUsers(org).filter((u) => u.role === 'patient')) {
      await registerPatient(org, user.name, user.attrs['ehr.patientId'] ?? '');
    }
  }
}
