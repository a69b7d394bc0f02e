import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import {
  addCareLink,
  assignmentKey,
  CARE_INDEX,
  type CareAssignment,
  type CareLinks,
  claimsToBeThePatient,
  currentCare,
  getPatient,
  isThePatient,
} from './basis';
import { ChaincodeError, forbidden, invalid, notFound } from './errors';
import { callerWithRole, requireIssuer } from './identity';
import { canonicalJson } from './json';
import {
  emit,
  endorsedBy,
  getJson,
  key,
  listJson,
  listPage,
  putJson,
  putPrivate,
  requirePrivateHash,
  transientJson,
  txMillis,
  txTime,
} from './ledger';
import {
  approvalsNeeded,
  MEMBER_KIND,
  MEMBER_KIND_PROPOSAL,
  type MemberKind,
  memberKind,
  memberKindKey,
  type MemberKindProposal,
  proposalKey,
  withApproval,
} from './members';
import {
  type OrgProfile,
  type OrgProfileView,
  type Practitioner,
  parseOrgProfile,
  parsePractitioner,
  parseWard,
  type Ward,
} from './types/directory';
import { filePending } from './pending';
import { alreadyExists, createOnce, refuseCreated, requestedId } from './requests';
import { type Patient, type PatientRecovery, parseDemographics } from './types/patient';
import { ORG_KINDS, type OrgKind } from './types/vocabulary';
import { hex64, id, MSP_PATTERN, oneOf, parseObject } from './validate';

export const demographicsKey = (ctx: Context, patientId: string) => key(ctx, 'demographics', patientId);

/** Certificates a patient may have bound at once (devices, renewals). */
const MAX_PATIENT_CERTIFICATES = 8;
/** How long a recovery waits for its approvals. */
const RECOVERY_DAYS = 7;
const recoveryKey = (ctx: Context, patientId: string, requestId: string) =>
  key(ctx, 'patientRecovery', patientId, requestId);
/** Public index: recoveries awaiting approvals, oldest first; deleted as one completes. */
const PENDING_RECOVERY = 'patientRecoveryPending';
const pendingRecoveryKey = (ctx: Context, request: PatientRecovery) =>
  key(ctx, PENDING_RECOVERY, request.requestedAt, request.requestId);

/** A profile with the kind a majority approved, whatever an older profile said of itself. */
function profileView(profile: OrgProfile & { kind?: unknown }, kind: OrgKind | undefined): OrgProfileView {
  const { mspId, displayName, specialities, updatedAt } = profile;
  return { mspId, displayName, specialities, updatedAt, kind };
}

/** Org profiles, practitioners and patients. */
@Info({ title: 'Directory', description: 'Members, practitioners and patients' })
export class DirectoryContract extends Contract {
  constructor() {
    super(contractName('directory'));
  }

  /**
   * The admin publishes the member's own display name and specialities; later changes need that
   * member's peer. Only a member whose kind a majority approved publishes one, so that every
   * profile shows a kind; a `kind` in the profile must be that one.
   */
  @Transaction()
  async PublishOrgProfile(ctx: Context, profileJson: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    const { profile, kind } = parseOrgProfile(parseObject(profileJson, 'profile'), admin.mspId, txTime(ctx));
    const approved = await memberKind(ctx, admin.mspId);
    if (approved === undefined) {
      throw forbidden(`${admin.mspId} has no kind yet: a majority of members approves it first (ApproveMemberKind)`);
    }
    if (kind !== undefined && kind !== approved) {
      throw forbidden(`${admin.mspId} is a ${approved}: only a majority of members changes that`);
    }
    const profileKey = key(ctx, 'org', admin.mspId);
    await putJson(ctx, profileKey, profile);
    await endorsedBy(ctx, profileKey, admin.mspId);
  }

  @Transaction(false)
  @Returns('string')
  async ListOrgProfiles(ctx: Context): Promise<string> {
    const kinds = new Map((await listJson<MemberKind>(ctx, MEMBER_KIND)).map((m) => [m.mspId, m.kind]));
    const profiles = await listJson<OrgProfile>(ctx, 'org');
    return canonicalJson(profiles.map((p) => profileView(p, kinds.get(p.mspId))));
  }

  @Transaction(false)
  @Returns('string')
  async GetOrgProfile(ctx: Context, mspId: string): Promise<string> {
    if (!MSP_PATTERN.test(mspId)) throw invalid('mspId must be an MSP ID');
    const profile = await getJson<OrgProfile>(ctx, key(ctx, 'org', mspId));
    if (!profile) throw notFound(`${mspId} has published no profile`);
    return canonicalJson(profileView(profile, await memberKind(ctx, mspId)));
  }

  /**
   * The calling admin's member approves that `mspId` is of `kind`; the first approval proposes
   * it. It takes effect, replacing any kind before, once admins of a majority of members approved
   * (see `approvalsNeeded`), each in a transaction of their own. Answers the proposal, or the
   * kind now in effect.
   */
  @Transaction()
  @Returns('string')
  async ApproveMemberKind(ctx: Context, mspId: string, kindName: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    if (!MSP_PATTERN.test(mspId)) throw invalid('mspId must be an MSP ID');
    const kind = oneOf({ kind: kindName }, 'kind', ORG_KINDS);
    if ((await memberKind(ctx, mspId)) === kind) {
      throw new ChaincodeError('ALREADY_EXISTS', `${mspId} is a ${kind} already`);
    }
    const now = txTime(ctx);
    const stateKey = proposalKey(ctx, mspId, kind);
    const proposal = (await getJson<MemberKindProposal>(ctx, stateKey)) ?? {
      mspId,
      kind,
      proposedAt: now,
      approvals: [],
    };
    proposal.approvals = withApproval(proposal.approvals, admin.mspId, now);
    if (proposal.approvals.length < (await approvalsNeeded(ctx, mspId))) {
      await putJson(ctx, stateKey, proposal);
      emit(ctx, 'MemberKind', { mspId, kind, status: 'proposed', approvals: proposal.approvals.length });
      return canonicalJson(proposal);
    }
    const inEffect: MemberKind = { mspId, kind, approvedBy: proposal.approvals.map((a) => a.mspId), approvedAt: now };
    await ctx.stub.deleteState(stateKey);
    await putJson(ctx, memberKindKey(ctx, mspId), inEffect);
    emit(ctx, 'MemberKind', { mspId, kind, status: 'approved', approvals: proposal.approvals.length });
    return canonicalJson(inEffect);
  }

  /** The kinds in effect and the proposals awaiting approvals, for every member's admins. */
  @Transaction(false)
  @Returns('string')
  async ListMemberKinds(ctx: Context): Promise<string> {
    await callerWithRole(ctx, 'admin');
    return canonicalJson({
      members: await listJson<MemberKind>(ctx, MEMBER_KIND),
      proposals: await listJson<MemberKindProposal>(ctx, MEMBER_KIND_PROPOSAL),
      approvalsNeeded: await approvalsNeeded(ctx),
    });
  }

  /**
   * The calling doctor's patients, in patient id order: those with a care link that holds now
   * (an appointment not cancelled, an order not rejected, an active consent, an assignment not
   * ended, an open window),
   * each with the links that hold. Patients whose links all lapsed are left out.
   */
  @Transaction(false)
  @Returns('string')
  async ListMyPatients(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const doctor = await callerWithRole(ctx, 'doctor');
    const parts = [doctor.mspId, doctor.practitionerId ?? ''];
    return listPage(ctx, CARE_INDEX, parts, { pageSize, bookmark }, async (entry) => {
      const care = entry as CareLinks;
      const links = await currentCare(ctx, care);
      return links.length === 0 ? undefined : { patientId: care.patientId, links };
    });
  }

  /**
   * The admin assigns a doctor of the member to a patient's care (an admission, a ward round):
   * a care link, so that the doctor's reads of what the member holds of the patient are not
   * flagged. Only for data this member holds: it gives no basis at other members. Answers the
   * assignment; the patient hears of it by an event.
   */
  @Transaction()
  @Returns('string')
  async AssignCare(ctx: Context, practitionerId: string, patientId: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const practitioner = await getJson<Practitioner>(
      ctx,
      key(ctx, 'practitioner', admin.mspId, id(practitionerId, 'practitionerId')),
    );
    if (practitioner?.role !== 'doctor' || practitioner.status !== 'active') {
      throw notFound(`no active doctor ${practitionerId} at ${admin.mspId}`);
    }
    const patient = await getPatient(ctx, patientId);
    if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patient.patientId} was erased`);
    const stateKey = assignmentKey(ctx, admin.mspId, practitionerId, patient.patientId);
    const assignmentId = requestedId(ctx, 'directory.AssignCare');
    // The id is not in the assignment's key: the receipt tells a retried request from a new one.
    await refuseCreated(ctx, 'care assignment', assignmentId);
    const current = await getJson<CareAssignment>(ctx, stateKey);
    if (current && current.endedAt === undefined) return canonicalJson(current);
    await createOnce(ctx, 'care assignment', assignmentId);
    const assignment: CareAssignment = {
      assignmentId,
      mspId: admin.mspId,
      practitionerId,
      patientId: patient.patientId,
      assignedBy: admin.id,
      assignedAt: txTime(ctx),
    };
    await putJson(ctx, stateKey, assignment);
    await addCareLink(ctx, { mspId: admin.mspId, practitionerId }, patient.patientId, {
      via: 'assignment',
      ref: assignment.assignmentId,
    });
    emit(ctx, 'CareAssignment', { ...assignment, status: 'assigned' });
    return canonicalJson(assignment);
  }

  /** The admin ends a doctor's assignment to a patient: the care link no longer holds. */
  @Transaction()
  async UnassignCare(ctx: Context, practitionerId: string, patientId: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    const stateKey = assignmentKey(ctx, admin.mspId, id(practitionerId, 'practitionerId'), id(patientId, 'patientId'));
    const assignment = await getJson<CareAssignment>(ctx, stateKey);
    if (!assignment || assignment.endedAt !== undefined) {
      throw notFound(`${practitionerId} of ${admin.mspId} is not assigned to patient ${patientId}`);
    }
    const ended: CareAssignment = { ...assignment, endedAt: txTime(ctx), endedBy: admin.id };
    await putJson(ctx, stateKey, ended);
    emit(ctx, 'CareAssignment', { ...ended, status: 'ended' });
  }

  /** The admin registers or updates a practitioner of the member. */
  @Transaction()
  async RegisterPractitioner(ctx: Context, practitionerJson: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    const practitioner = parsePractitioner(parseObject(practitionerJson, 'practitioner'), admin.mspId, txTime(ctx));
    await requireIssuer(ctx, admin.mspId, practitioner.role);
    const practitionerKey = key(ctx, 'practitioner', admin.mspId, practitioner.practitionerId);
    await putJson(ctx, practitionerKey, practitioner);
    await endorsedBy(ctx, practitionerKey, admin.mspId);
  }

  @Transaction(false)
  @Returns('string')
  async ListPractitioners(ctx: Context, mspId: string): Promise<string> {
    if (!MSP_PATTERN.test(mspId)) throw invalid('mspId must be an MSP ID');
    const practitioners = await listJson<Practitioner>(ctx, 'practitioner', mspId);
    // None listed: a member without practitioners yet, or no member at all (an empty list would say the former).
    if (practitioners.length === 0 && !(await memberKind(ctx, mspId)))
      throw notFound(`${mspId} is not a member of the consortium`);
    return canonicalJson(practitioners);
  }

  /**
   * Step 1 of registering a patient, endorsed by the home member alone: the demographics
   * (transient `demographics`) go into its implicit collection. Returns their hash only.
   */
  @Transaction()
  @Returns('string')
  async StoreDemographics(ctx: Context, patientId: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    await requireIssuer(ctx, admin.mspId, 'patient');
    const patientKey = key(ctx, 'patient', id(patientId, 'patientId'));
    // A registered patient's demographics are bound to its entry by their hash: never replaced here.
    const registered = await getJson<Patient>(ctx, patientKey);
    if (registered?.status === 'erased') throw new ChaincodeError('PURGED', `patient ${patientId} was erased`);
    if (registered) throw alreadyExists('patient', patientId);
    const demographics = parseDemographics(parseObject(transientJson(ctx, 'demographics'), 'demographics'), patientId);
    const demographicsHash = await putPrivate(
      ctx,
      [admin.mspId],
      patientId,
      demographicsKey(ctx, patientId),
      demographics,
    );
    await filePending(ctx, [admin.mspId], {
      kind: 'demographics',
      id: patientId,
      patientId,
      awaits: patientKey,
      holds: [demographicsKey(ctx, patientId)],
    });
    return canonicalJson({ patientId, demographicsHash });
  }

  /**
   * Step 2, endorsed by a majority: the public entry, bound to the stored demographics by
   * their hash, which every endorser checks against the home member's collection.
   */
  @Transaction()
  async RegisterPatient(ctx: Context, patientId: string, demographicsHash: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    // Patients are a hospital's to register, as their certificates are a hospital's to issue.
    await requireIssuer(ctx, admin.mspId, 'patient');
    id(patientId, 'patientId');
    hex64(demographicsHash, 'demographicsHash');
    const patientKey = key(ctx, 'patient', patientId);
    if (await getJson<Patient>(ctx, patientKey)) throw alreadyExists('patient', patientId);
    await requirePrivateHash(
      ctx,
      admin.mspId,
      demographicsKey(ctx, patientId),
      demographicsHash,
      `demographics of ${patientId}`,
    );
    const patient: Patient = {
      patientId,
      homeOrg: admin.mspId,
      certFingerprints: [],
      demographicsHash,
      status: 'active',
      registeredAt: txTime(ctx),
    };
    await putJson(ctx, patientKey, patient);
  }

  /**
   * The patient binds the certificate they are using to their entry: the first one linked binds.
   * Later ones need the patient's confirmation with a bound certificate (ConfirmPatientCertificate)
   * or a recovery a majority approved: the home member issues certificates with any patientId,
   * and one it issued behind the patient's back must not act as them.
   */
  @Transaction()
  async LinkPatientCertificate(ctx: Context): Promise<void> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!claimsToBeThePatient(who, patient))
      throw forbidden('only the patient, with a certificate of their home member');
    if (patient.certFingerprints.includes(who.fingerprint)) return;
    if (patient.certFingerprints.length > 0) {
      throw forbidden(
        `another certificate is bound to patient ${patient.patientId}: confirm this one with it, or ask the home member for a recovery`,
      );
    }
    await this.#bind(ctx, patient, [who.fingerprint]);
  }

  /** The patient, with a bound certificate, binds another of theirs (SHA-256 of the certificate, hex). */
  @Transaction()
  async ConfirmPatientCertificate(ctx: Context, fingerprint: string): Promise<void> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('only the patient, with a certificate bound to them');
    hex64(fingerprint, 'fingerprint');
    if (patient.certFingerprints.includes(fingerprint)) return;
    if (patient.certFingerprints.length >= MAX_PATIENT_CERTIFICATES) {
      throw new ChaincodeError('CONFLICT', `a patient has at most ${MAX_PATIENT_CERTIFICATES} certificates bound`);
    }
    await this.#bind(ctx, patient, [...patient.certFingerprints, fingerprint]);
  }

  /**
   * The home member's admin asks to bind a new certificate to a patient who lost theirs. It takes
   * effect once admins of a majority of members approved it (this request is the home member's
   * approval), within RECOVERY_DAYS, and replaces the bound certificates. Answers the request.
   */
  @Transaction()
  @Returns('string')
  async RequestPatientRecovery(ctx: Context, patientId: string, fingerprint: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const patient = await getPatient(ctx, patientId);
    if (patient.homeOrg !== admin.mspId) throw forbidden(`the recovery of ${patientId} is asked by ${patient.homeOrg}`);
    const now = txTime(ctx);
    const request: PatientRecovery = {
      requestId: requestedId(ctx, 'directory.RequestPatientRecovery'),
      patientId: patient.patientId,
      fingerprint: hex64(fingerprint, 'fingerprint'),
      requestedAt: now,
      expiresAt: new Date(txMillis(ctx) + RECOVERY_DAYS * 86_400_000).toISOString(),
      status: 'requested',
      approvals: withApproval([], admin.mspId, now),
    };
    await createOnce(ctx, 'recovery request', request.requestId);
    await putJson(ctx, recoveryKey(ctx, patient.patientId, request.requestId), request);
    await putJson(ctx, pendingRecoveryKey(ctx, request), {
      patientId: patient.patientId,
      requestId: request.requestId,
    });
    // The patient hears of it too: a recovery they did not ask for is the home member acting alone.
    emit(ctx, 'PatientRecovery', { patientId, requestId: request.requestId, status: request.status });
    return canonicalJson(request);
  }

  /** An admin approves a recovery for their member; the approval that makes a majority binds the certificate. */
  @Transaction()
  @Returns('string')
  async ApprovePatientRecovery(ctx: Context, patientId: string, requestId: string): Promise<string> {
    const admin = await callerWithRole(ctx, 'admin');
    const stateKey = recoveryKey(ctx, id(patientId, 'patientId'), id(requestId, 'requestId'));
    const request = await getJson<PatientRecovery>(ctx, stateKey);
    if (!request) throw notFound(`recovery ${requestId} of patient ${patientId} does not exist`);
    if (request.status !== 'requested')
      throw new ChaincodeError('CONFLICT', `recovery ${requestId} is ${request.status}`);
    const now = txTime(ctx);
    if (now >= request.expiresAt) throw new ChaincodeError('CONFLICT', `recovery ${requestId} expired`);
    request.approvals = withApproval(request.approvals, admin.mspId, now);
    if (request.approvals.length >= (await approvalsNeeded(ctx))) {
      request.status = 'completed';
      request.completedAt = now;
      await ctx.stub.deleteState(pendingRecoveryKey(ctx, request));
      await this.#bind(ctx, await getPatient(ctx, patientId), [request.fingerprint]);
    }
    await putJson(ctx, stateKey, request);
    emit(ctx, 'PatientRecovery', { patientId, requestId, status: request.status });
    return canonicalJson(request);
  }

  /** Recoveries not completed, oldest first, with their approvals: for every member's admins. */
  @Transaction(false)
  @Returns('string')
  async ListPendingRecoveries(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    await callerWithRole(ctx, 'admin');
    return listPage(ctx, PENDING_RECOVERY, [], { pageSize, bookmark }, async (entry, entryKey) => {
      const { patientId, requestId } = entry as { patientId: string; requestId: string };
      const request = await getJson<PatientRecovery>(ctx, recoveryKey(ctx, patientId, requestId));
      const pending = request?.status === 'requested' && pendingRecoveryKey(ctx, request) === entryKey;
      return pending ? request : undefined;
    });
  }

  async #bind(ctx: Context, patient: Patient, fingerprints: string[]): Promise<void> {
    const bound: Patient = { ...patient, certFingerprints: [...fingerprints].sort() };
    await putJson(ctx, key(ctx, 'patient', patient.patientId), bound);
  }

  @Transaction(false)
  @Returns('string')
  async GetPatient(ctx: Context, patientId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin');
    const patient = await getPatient(ctx, patientId);
    if (who.role === 'patient' && !isThePatient(who, patient)) throw forbidden('patients see only themselves');
    return canonicalJson(patient);
  }

  /** A hospital admin publishes a ward's bed capacity; later changes need that member's peer. */
  @Transaction()
  async PublishBeds(ctx: Context, wardJson: string): Promise<void> {
    const admin = await callerWithRole(ctx, 'admin');
    if ((await memberKind(ctx, admin.mspId)) !== 'hospital') throw forbidden('only hospitals publish beds');
    const ward = parseWard(parseObject(wardJson, 'ward'), admin.mspId, txTime(ctx));
    const wardKey = key(ctx, 'beds', admin.mspId, ward.ward);
    await putJson(ctx, wardKey, ward);
    await endorsedBy(ctx, wardKey, admin.mspId);
  }

  /** Hospitals with free beds, optionally only for a ward name or a specialty. */
  @Transaction(false)
  @Returns('string')
  async ListFreeBeds(ctx: Context, filterJson: string): Promise<string> {
    await callerWithRole(ctx, 'doctor', 'admin');
    const filter = filterJson ? parseObject(filterJson, 'filter') : {};
    const profiles = new Map((await listJson<OrgProfile>(ctx, 'org')).map((p) => [p.mspId, p.displayName]));
    const free = (await listJson<Ward>(ctx, 'beds'))
      .filter((w) => w.total > w.occupied)
      .filter((w) => filter.ward === undefined || w.ward === filter.ward)
      .filter((w) => filter.specialty === undefined || w.specialty === filter.specialty)
      .map((w) => ({
        mspId: w.mspId,
        hospital: profiles.get(w.mspId) ?? w.mspId,
        ward: w.ward,
        specialty: w.specialty,
        free: w.total - w.occupied,
      }));
    return canonicalJson(free);
  }
}
