import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { adjudicate, statusOf } from './adjudication';
import { linkClaimToBill } from './bills';
import {
  CLAIM_STATUSES,
  claimKey,
  claimLinesKey,
  fileClaim,
  getClaim,
  INSURER_CLAIMS,
  LATEST_CLAIMS,
  latestClaimKey,
  insurerClaimKey,
  PROVIDER_CLAIMS,
  providerClaimKey,
} from './claims';
import { getPatient, isThePatient } from './basis';
import { ChaincodeError, forbidden, invalid, notFound } from './errors';
import { type Caller, callerWithRole } from './identity';
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
  txTime,
  transientJson,
} from './ledger';
import { getPolicy } from './policy-contract';
import { memberKind } from './members';
import { getHeader, headerKey } from './records';
import { createOnce, requestedId } from './requests';
import type { Claim } from './types/claim';
import { parseClaimInput } from './types/claim';
import type { Policy } from './types/policy';
import type { RecordHeader } from './types/record';
import type { OrgKind } from './types/vocabulary';
import { filterOf, MSP_PATTERN, parseObject, str } from './validate';

const COUNTED: Claim['status'][] = ['approved', 'partially-approved', 'paid'];
/** The kinds of member that give care and so may be a claim's provider. */
const CARE_PROVIDERS: readonly OrgKind[] = ['hospital', 'lab'];

/** Which policy year (0, 1, …) a date falls in, counted from the policy's start. */
export function policyYear(policy: Policy, date: string): number {
  const start = new Date(policy.validFrom);
  const at = new Date(date);
  let years = at.getUTCFullYear() - start.getUTCFullYear();
  const anniversary = new Date(start);
  anniversary.setUTCFullYear(start.getUTCFullYear() + years);
  if (anniversary > at) years -= 1;
  return years;
}

/** True when `a` was submitted before `b` (ties broken by id): earlier claims win duplicates. */
const earlier = (a: Claim, b: Claim) =>
  a.submittedAt < b.submittedAt || (a.submittedAt === b.submittedAt && a.claimId < b.claimId);

/**
 * Claims: a hospital's billing clerk (or the patient) submits; the insurer's adjuster
 * adjudicates with the deterministic rules of SPEC §5 and records payment. From submission on,
 * every change needs the provider AND the insurer: the insurer validates on its own peer.
 */
@Info({ title: 'Claims', description: 'Insurance claims' })
export class ClaimContract extends Contract {
  constructor() {
    super(contractName('claims'));
  }

  @Transaction()
  @Returns('string')
  async Submit(ctx: Context, claimJson: string): Promise<string> {
    const who = await callerWithRole(ctx, 'billing', 'patient');
    const input = parseObject(claimJson, 'claim');
    const fields = parseClaimInput(input);
    const patient = await getPatient(ctx, fields.patientId);
    if (who.role === 'patient' && !isThePatient(who, patient))
      throw forbidden('patients file claims for themselves only');
    const provider = who.role === 'billing' ? who.mspId : str(input, 'provider', { max: 64, pattern: MSP_PATTERN });
    const policy = await getPolicy(ctx, fields.policyId);
    if (!policy) throw notFound(`policy ${fields.policyId} does not exist`);
    const claim: Claim = {
      claimId: requestedId(ctx, 'claims.Submit'),
      ...fields,
      insurer: policy.insurer,
      provider,
      submittedBy: { mspId: who.mspId, role: who.role },
      status: 'submitted',
      submittedAt: txTime(ctx),
    };
    // Before the bill's rules: a retried request meets its own claim, not a bill claimed already.
    await createOnce(ctx, 'claim', claim.claimId);
    await linkClaimToBill(ctx, claim);
    await this.#providerOf(ctx, provider, claim.lines);
    await this.#save(ctx, claim);
    for (const line of claim.lines)
      await putJson(ctx, key(ctx, 'claimRecord', line.recordId, claim.claimId), { claimId: claim.claimId });
    await putJson(ctx, key(ctx, 'patientClaim', claim.patientId, claim.claimId), { claimId: claim.claimId });
    await putJson(ctx, key(ctx, 'policyClaim', claim.policyId, claim.claimId), { claimId: claim.claimId });
    for (const party of ['insurer', 'provider'] as const) {
      const latest = latestClaimKey(ctx, party, claim);
      await putJson(ctx, latest, { claimId: claim.claimId });
      await endorsedBy(ctx, latest, provider, policy.insurer);
    }
    await endorsedBy(ctx, claimKey(ctx, claim.claimId), provider, policy.insurer);
    return canonicalJson(claim);
  }

  /**
   * A claim is the provider's, for care it documented: the provider is a member of a kind that
   * provides care, and every line's record is in its custody. Record ids and hashes are public:
   * without this a member could bill another's records, or claim them first and make the
   * custodian's own claim a DUPLICATE, and a patient could name anyone as provider.
   */
  async #providerOf(ctx: Context, provider: string, lines: Claim['lines']): Promise<void> {
    const kind = await memberKind(ctx, provider);
    if (kind === undefined || !CARE_PROVIDERS.includes(kind)) {
      throw forbidden(`${provider} is not a member that provides care (a ${CARE_PROVIDERS.join(' or ')})`);
    }
    for (const line of lines) {
      const { custodian } = await getHeader(ctx, line.recordId);
      if (custodian !== provider) {
        throw forbidden(`record ${line.recordId} is held by ${custodian}: only its custodian claims for it`);
      }
    }
  }

  /** Line descriptions (transient `lines`), held by the provider and the insurer only. */
  @Transaction()
  async StoreLineDetails(ctx: Context, claimId: string): Promise<void> {
    const clerk = await callerWithRole(ctx, 'billing');
    const claim = await this.#get(ctx, claimId);
    if (claim.provider !== clerk.mspId) throw forbidden(`claim ${claimId} was submitted for ${claim.provider}`);
    const details = transientJson(ctx, 'lines');
    if (details.length > 32 * 1024) throw invalid('line details are larger than 32 KiB');
    await putPrivate(ctx, [claim.provider, claim.insurer], claim.patientId, claimLinesKey(ctx, claimId), {
      claimId,
      details: parseObject(details, 'lines'),
    });
  }

  @Transaction()
  @Returns('string')
  async Adjudicate(ctx: Context, claimId: string): Promise<string> {
    const adjuster = await callerWithRole(ctx, 'adjuster');
    const claim = await this.#insurersClaim(ctx, adjuster, claimId, ['submitted']);
    const policy = await getPolicy(ctx, claim.policyId);
    const records = new Map<string, RecordHeader | undefined>();
    const claimedElsewhere = new Set<string>();
    for (const line of claim.lines) {
      records.set(line.recordId, await getJson<RecordHeader>(ctx, headerKey(ctx, line.recordId)));
      for (const other of await listJson<{ claimId: string }>(ctx, 'claimRecord', line.recordId)) {
        if (other.claimId === claimId) continue;
        const rival = await this.#get(ctx, other.claimId);
        if (rival.status !== 'rejected' && earlier(rival, claim)) claimedElsewhere.add(line.recordId);
      }
    }
    const usedThisYear = policy ? await this.#usedThisYear(ctx, policy, claim) : 0;
    const decision = adjudicate({ claim, policy, records, claimedElsewhere, usedThisYear });
    const adjudicated: Claim = {
      ...claim,
      status: statusOf(decision, claim),
      adjudication: { ...decision, adjudicatedAt: txTime(ctx), adjudicator: adjuster.id },
    };
    await this.#save(ctx, adjudicated);
    return canonicalJson(adjudicated);
  }

  @Transaction()
  async RecordPayment(ctx: Context, claimId: string, paymentRef: string): Promise<void> {
    const adjuster = await callerWithRole(ctx, 'adjuster');
    const claim = await this.#insurersClaim(ctx, adjuster, claimId, ['approved', 'partially-approved']);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(paymentRef)) throw invalid('paymentRef must be 1-64 letters, digits, "-" or "_"');
    const amount = claim.adjudication?.approvedAmount ?? 0;
    await this.#save(ctx, { ...claim, status: 'paid', payment: { paymentRef, paidAt: txTime(ctx), amount } });
  }

  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, claimId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'billing', 'adjuster', 'admin');
    const claim = await this.#get(ctx, claimId);
    const allowed =
      who.role === 'patient'
        ? isThePatient(who, await getPatient(ctx, claim.patientId))
        : [claim.provider, claim.insurer].includes(who.mspId);
    if (!allowed) throw forbidden('claims are seen by the patient, the provider and the insurer');
    return canonicalJson(claim);
  }

  /** The calling patient's claims. */
  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('patients see only their own claims');
    return listPage(ctx, 'patientClaim', [patient.patientId], { pageSize, bookmark }, (entry) =>
      this.#indexed(ctx, entry),
    );
  }

  /** The adjusters' queue: claims submitted to their insurer, oldest first within a status; `status` '' for all, newest first. */
  @Transaction(false)
  @Returns('string')
  async ListForInsurer(ctx: Context, status: string, pageSize: string, bookmark: string): Promise<string> {
    const adjuster = await callerWithRole(ctx, 'adjuster');
    return this.#queue(ctx, 'insurer', adjuster.mspId, status, { pageSize, bookmark });
  }

  /** The billing clerks' list: their member's claims, oldest first within a status; `status` '' for all, newest first. */
  @Transaction(false)
  @Returns('string')
  async ListForProvider(ctx: Context, status: string, pageSize: string, bookmark: string): Promise<string> {
    const clerk = await callerWithRole(ctx, 'billing');
    return this.#queue(ctx, 'provider', clerk.mspId, status, { pageSize, bookmark });
  }

  /**
   * A member's claims of one status (oldest first), or of all (newest first). An entry counts only
   * where its claim is filed now (never a stale or forged one).
   */
  async #queue(
    ctx: Context,
    party: 'insurer' | 'provider',
    mspId: string,
    status: string,
    page: { pageSize: string; bookmark: string },
  ): Promise<string> {
    const wanted = filterOf(status, 'status', CLAIM_STATUSES);
    const [index, parts, indexKey] =
      wanted === ''
        ? [LATEST_CLAIMS, [party, mspId], (c: Context, claim: Claim) => latestClaimKey(c, party, claim)]
        : party === 'insurer'
          ? [INSURER_CLAIMS, [mspId, wanted], insurerClaimKey]
          : [PROVIDER_CLAIMS, [mspId, wanted], providerClaimKey];
    return listPage(ctx, index, parts, page, async (entry, entryKey) => {
      const claim = await this.#indexed(ctx, entry);
      return claim && indexKey(ctx, claim) === entryKey ? claim : undefined;
    });
  }

  async #indexed(ctx: Context, entry: unknown): Promise<Claim | undefined> {
    return getJson<Claim>(ctx, claimKey(ctx, (entry as { claimId: string }).claimId));
  }

  async #usedThisYear(ctx: Context, policy: Policy, claim: Claim): Promise<number> {
    const year = policyYear(policy, claim.serviceDate);
    let used = 0;
    for (const { claimId } of await listJson<{ claimId: string }>(ctx, 'policyClaim', policy.policyId)) {
      if (claimId === claim.claimId) continue;
      const other = await this.#get(ctx, claimId);
      if (COUNTED.includes(other.status) && policyYear(policy, other.serviceDate) === year)
        used += other.adjudication?.approvedAmount ?? 0;
    }
    return used;
  }

  async #get(ctx: Context, claimId: string): Promise<Claim> {
    return getClaim(ctx, claimId);
  }

  async #insurersClaim(ctx: Context, adjuster: Caller, claimId: string, statuses: Claim['status'][]): Promise<Claim> {
    const claim = await this.#get(ctx, claimId);
    if (claim.insurer !== adjuster.mspId) throw forbidden(`claim ${claimId} is for ${claim.insurer}`);
    if (!statuses.includes(claim.status)) throw new ChaincodeError('CONFLICT', `claim ${claimId} is ${claim.status}`);
    return claim;
  }

  async #save(ctx: Context, claim: Claim): Promise<void> {
    const previous = await getJson<Claim>(ctx, claimKey(ctx, claim.claimId));
    await putJson(ctx, claimKey(ctx, claim.claimId), claim);
    await fileClaim(ctx, claim, previous);
    emit(ctx, 'ClaimStatus', {
      claimId: claim.claimId,
      patientId: claim.patientId,
      provider: claim.provider,
      insurer: claim.insurer,
      status: claim.status,
      approvedAmount: claim.adjudication?.approvedAmount,
    });
  }
}
