/**
 * The founding members' first ledger acts and the demo data, so the demo users can act as soon
 * as `npm start` returns: each member's kind approved by a majority of the members' admins,
 * each member's profile, its practitioners, and each hospital's demo patient registered with
 * synthetic demographics (the two-step private-then-public registration). Idempotent.
 */
import { randomBytes } from 'node:crypto';
import { chaincodeErrorCode, text, withSession } from './gateway';
import { asMember, demoUsers, type OrgSpec } from './topology';

interface MemberKinds {
  members: { mspId: string; kind: string }[];
  proposals: { mspId: string; kind: string; approvals: { mspId: string }[] }[];
  approvalsNeeded: number;
}

/** `approver`'s step: its admin approves `member`'s kind; true when that made it take effect. */
export async function approveKind(approver: OrgSpec, member: OrgSpec): Promise<boolean> {
  return asMember(approver, () =>
    withSession(approver, 'admin', async (s) => {
      const answer = await s.contract('directory').submitTransaction('ApproveMemberKind', member.mspId, member.kind);
      return 'approvedBy' in (JSON.parse(text(answer)) as object);
    }),
  );
}

/**
 * Which kind each member is (and so which roles its CA may issue) is never a member's own
 * word: admins of a majority of members approve it, each in a transaction of its own. The
 * founding members approve each other here, the member itself first, then the members after
 * it. Approvals that complete nothing go member by member in parallel (each proposal is its
 * own key); those that make a kind take effect change the count every approval reads, so they
 * go one at a time.
 */
async function approveMemberKinds(orgs: readonly OrgSpec[]): Promise<void> {
  const [first] = orgs;
  if (!first) return;
  const state = await asMember(first, () =>
    withSession(first, 'admin', async (s) => {
      const answer = await s.contract('directory').evaluateTransaction('ListMemberKinds');
      return JSON.parse(text(answer)) as MemberKinds;
    }),
  );
  const pending = orgs.filter((o) => !state.members.some((m) => m.mspId === o.mspId && m.kind === o.kind));
  const approversLeft = new Map(
    pending.map((member) => {
      const done = state.proposals.find((p) => p.mspId === member.mspId && p.kind === member.kind)?.approvals ?? [];
      const start = orgs.indexOf(member);
      const inTurn = [...orgs.slice(start), ...orgs.slice(0, start)];
      return [member, inTurn.filter((o) => !done.some((a) => a.mspId === o.mspId))] as const;
    }),
  );
  await Promise.all(
    pending.map(async (member) => {
      const left = approversLeft.get(member) ?? [];
      const already = orgs.length - left.length;
      // approvalsNeeded only grows as kinds take effect: stopping one short of it completes nothing.
      for (let count = already; count < state.approvalsNeeded - 1; count++) {
        const approver = left.shift();
        if (approver) await approveKind(approver, member);
      }
    }),
  );
  for (const member of pending) {
    let inEffect = false;
    for (const approver of approversLeft.get(member) ?? []) {
      if ((inEffect = await approveKind(approver, member))) break;
    }
    if (!inEffect) throw new Error(`the members' admins approved ${member.mspId} as ${member.kind} without effect`);
  }
}

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
      transientData: { demographics: JSON.stringify(demographics), salt: randomBytes(16).toString('hex') },
      endorsingOrganizations: [org.mspId],
    });
    const { demographicsHash } = JSON.parse(text(stored)) as { demographicsHash: string };
    await directory.submitTransaction('RegisterPatient', patientId, demographicsHash);
  });
  await withSession(org, patientUser, (s) => s.contract('directory').submitTransaction('LinkPatientCertificate'));
}

/** The kind of `member` in effect on the ledger, as `reader`'s admin sees it (undefined: none yet). */
export async function kindInEffect(reader: OrgSpec, member: OrgSpec): Promise<string | undefined> {
  return withSession(reader, 'admin', async (s) => {
    const answer = await s.contract('directory').evaluateTransaction('ListMemberKinds');
    const kinds = JSON.parse(text(answer)) as MemberKinds;
    return kinds.members.find((m) => m.mspId === member.mspId)?.kind;
  });
}

/**
 * The member's own demo data, in its own step: its profile, its practitioners and its demo
 * patients. Needs the member's kind in effect (approved by a majority of members).
 */
export async function seedMember(org: OrgSpec): Promise<void> {
  await asMember(org, async () => {
    await publishProfile(org);
    await registerPractitioners(org);
    for (const user of demoUsers(org).filter((u) => u.role === 'patient')) {
      await registerPatient(org, user.name, user.attrs['ehr.patientId'] ?? '');
    }
  });
}

/** The demo data: each approval is its approver's step, each member's own data its own step. */
export async function seedDemoData(orgs: readonly OrgSpec[]): Promise<void> {
  await approveMemberKinds(orgs);
  for (const org of orgs) await seedMember(org);
}
