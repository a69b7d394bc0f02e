import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { getPatient, isThePatient } from './basis';
import { forbidden, notFound } from './errors';
import { callerWithRole } from './identity';
import { canonicalJson } from './json';
import { endorsedBy, getJson, key, listPage, putJson, txTime } from './ledger';
import { createOnce, requestedId } from './requests';
import { type Policy, parsePolicyTerms } from './types/policy';
import { filterOf, id, parseObject } from './validate';

const policyKey = (ctx: Context, policyId: string) => key(ctx, 'policy', policyId);

export async function getPolicy(ctx: Context, policyId: string): Promise<Policy | undefined> {
  return getJson<Policy>(ctx, policyKey(ctx, id(policyId, 'policyId')));
}

/** Insurance policies: issued, updated and ended by the insurer's adjusters; changed only with the insurer's endorsement. */
@Info({ title: 'Policies', description: 'Insurance policies' })
export class PolicyContract extends Contract {
  constructor() {
    super(contractName('policies'));
  }

  @Transaction()
  @Returns('string')
  async Issue(ctx: Context, patientId: string, termsJson: string): Promise<string> {
    const adjuster = await callerWithRole(ctx, 'adjuster');
    await getPatient(ctx, id(patientId, 'patientId'));
    const policy: Policy = {
      policyId: requestedId(ctx, 'policies.Issue'),
      insurer: adjuster.mspId,
      patientId,
      ...parsePolicyTerms(parseObject(termsJson, 'terms')),
      status: 'active',
      updatedAt: txTime(ctx),
    };
    await createOnce(ctx, 'policy', policy.policyId);
    await putJson(ctx, policyKey(ctx, policy.policyId), policy);
    await putJson(ctx, key(ctx, 'patientPolicy', patientId, policy.policyId), { policyId: policy.policyId });
    await endorsedBy(ctx, policyKey(ctx, policy.policyId), adjuster.mspId);
    return canonicalJson(policy);
  }

  @Transaction()
  async Update(ctx: Context, policyId: string, termsJson: string): Promise<void> {
    const policy = await this.#own(ctx, policyId);
    await putJson(ctx, policyKey(ctx, policyId), {
      ...policy,
      ...parsePolicyTerms(parseObject(termsJson, 'terms')),
      updatedAt: txTime(ctx),
    });
  }

  @Transaction()
  async End(ctx: Context, policyId: string): Promise<void> {
    const policy = await this.#own(ctx, policyId);
    await putJson(ctx, policyKey(ctx, policyId), { ...policy, status: 'ended', updatedAt: txTime(ctx) });
  }

  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, policyId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'adjuster', 'billing', 'admin');
    const policy = await getPolicy(ctx, policyId);
    if (!policy) throw notFound(`policy ${policyId} does not exist`);
    if (who.role === 'patient' && !isThePatient(who, await getPatient(ctx, policy.patientId))) {
      throw forbidden('patients see only their own policies');
    }
    return canonicalJson(policy);
  }

  /**
   * A patient's policies: the patient's own, every one for billing clerks, the adjuster's own
   * insurer's for adjusters. `activeOnly` 'true': only those active and valid at the transaction time.
   */
  @Transaction(false)
  @Returns('string')
  async ListForPatient(
    ctx: Context,
    patientId: string,
    activeOnly: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const who = await callerWithRole(ctx, 'patient', 'adjuster', 'billing');
    const patient = await getPatient(ctx, id(patientId, 'patientId'));
    if (who.role === 'patient' && !isThePatient(who, patient)) throw forbidden('patients see only their own policies');
    const onlyActive = filterOf(activeOnly, 'activeOnly', ['true']) === 'true';
    const now = txTime(ctx);
    return this.#list(ctx, patientId, { pageSize, bookmark }, (policy) => {
      if (who.role === 'adjuster' && policy.insurer !== who.mspId) return false;
      return !onlyActive || (policy.status === 'active' && policy.validFrom <= now && now < policy.validUntil);
    });
  }

  /** The calling patient's policies. */
  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await callerWithRole(ctx, 'patient');
    const patient = await getPatient(ctx, who.patientId ?? '');
    if (!isThePatient(who, patient)) throw forbidden('patients see only their own policies');
    return this.#list(ctx, patient.patientId, { pageSize, bookmark }, () => true);
  }

  async #list(
    ctx: Context,
    patientId: string,
    page: { pageSize: string; bookmark: string },
    keep: (policy: Policy) => boolean,
  ): Promise<string> {
    return listPage(ctx, 'patientPolicy', [patientId], page, async (entry) => {
      const policy = await getPolicy(ctx, (entry as { policyId: string }).policyId);
      return policy && keep(policy) ? policy : undefined;
    });
  }

  async #own(ctx: Context, policyId: string): Promise<Policy> {
    const adjuster = await callerWithRole(ctx, 'adjuster');
    const policy = await getPolicy(ctx, policyId);
    if (!policy) throw notFound(`policy ${policyId} does not exist`);
    if (policy.insurer !== adjuster.mspId) throw forbidden(`policy ${policyId} belongs to ${policy.insurer}`);
    return policy;
  }
}
